using Microsoft.ML.TempBalance.Experiments;

namespace Microsoft.ML.TempBalance.Tests.Experiments;

[TestClass]
public sealed class StatisticsTests
{
    // Student's t CDF computed here by quadrature: with x = √ν·tan θ the density becomes ∝ cos^(ν−1) θ, so
    // CDF(t) = ∫_{−π/2}^{atan(t/√ν)} cos^(ν−1) θ dθ / ∫_{−π/2}^{π/2} cos^(ν−1) θ dθ (Simpson, 200 000 intervals).
    private static double QuadratureCdf(double t, double dof)
    {
        static double Integral(double from, double to, double power)
        {
            const int n = 200_000;
            double h = (to - from) / n, sum = 0;
            for (int i = 0; i <= n; i++)
            {
                double weight = i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2;
                sum += weight * Math.Pow(Math.Max(0, Math.Cos(from + i * h)), power);
            }

            return sum * h / 3;
        }

        return Integral(-Math.PI / 2, Math.Atan(t / Math.Sqrt(dof)), dof - 1) / Integral(-Math.PI / 2, Math.PI / 2, dof - 1);
    }

    [TestMethod]
    public void StudentTCdfMatchesClosedFormsAndQuadrature()
    {
        foreach (double t in new[] { -3.0, -0.5, 0.0, 0.7, 2.5 })
        {
            Assert.AreEqual(0.5 + Math.Atan(t) / Math.PI, Statistics.StudentTCdf(t, 1), 1e-12, "Cauchy");
            Assert.AreEqual(0.5 + t / (2 * Math.Sqrt(2 + t * t)), Statistics.StudentTCdf(t, 2), 1e-12, "nu = 2");
            foreach (double dof in new[] { 3.7, 8.0, 23.4 })
            {
                Assert.AreEqual(QuadratureCdf(t, dof), Statistics.StudentTCdf(t, dof), 1e-9, $"t {t}, nu {dof}");
            }
        }
    }

    [TestMethod]
    public void WelchAndPairedPValuesEqualTheDefinitionEvaluatedIndependently()
    {
        double[] tb = { 0.051, 0.047, 0.055, 0.049, 0.052 };
        double[] ft = { 0.058, 0.061, 0.054, 0.060, 0.057, 0.059 };
        SignificanceTest welch = Statistics.WelchLess(tb, ft);
        double ma = tb.Average(), mb = ft.Average();
        double va = tb.Sum(v => (v - ma) * (v - ma)) / 4 / 5, vb = ft.Sum(v => (v - mb) * (v - mb)) / 5 / 6;
        double t = (ma - mb) / Math.Sqrt(va + vb);
        double dof = (va + vb) * (va + vb) / (va * va / 4 + vb * vb / 5);
        Assert.AreEqual(t, welch.T, 1e-12);
        Assert.AreEqual(dof, welch.DegreesOfFreedom, 1e-9);
        Assert.AreEqual(QuadratureCdf(t, dof), welch.PValue, 1e-9);
        Assert.IsLessThan(0.01, welch.PValue, "TB clearly lower here");

        double[] a = { 1.0, 1.2, 0.9, 1.1 }, b = { 1.1, 1.25, 1.0, 1.1 };
        SignificanceTest paired = Statistics.PairedLess(a, b);
        double[] d = a.Zip(b, (x, y) => x - y).ToArray();
        double md = d.Average(), sd = Math.Sqrt(d.Sum(v => (v - md) * (v - md)) / 3);
        Assert.AreEqual(md / (sd / 2), paired.T, 1e-12);
        Assert.AreEqual(QuadratureCdf(md / (sd / 2), 3), paired.PValue, 1e-9);
        Assert.ThrowsExactly<ArgumentException>(() => Statistics.PairedLess(a, b.Take(3).ToArray()));
        Assert.IsTrue(double.IsNaN(Statistics.WelchLess(new[] { 1.0 }, ft).PValue), "one value has no variance");
    }
}
