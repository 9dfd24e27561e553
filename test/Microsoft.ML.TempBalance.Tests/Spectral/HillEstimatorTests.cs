using Microsoft.ML.TempBalance.Spectral;

namespace Microsoft.ML.TempBalance.Tests.Spectral;

/// <summary>Spec section 2.7 test vectors (float64), reproduced to 1e-9.</summary>
[TestClass]
public sealed class HillEstimatorTests
{
    private static readonly double[] OneToTen = Enumerable.Range(1, 10).Select(i => (double)i).ToArray();

    [TestMethod]
    [DataRow(XminStrategy.Median, 2.0, 4.681550358521, 0.253237800145, 5)]
    [DataRow(XminStrategy.Median, 1.5, 6.394319605926, 0.263399104951, 6)]
    [DataRow(XminStrategy.Scan, 2.0, 4.681550358521, 0.253237800145, 5)]
    public void OneToTen_MatchesTheSpecVectors(XminStrategy strategy, double position, double alpha, double distance, int index)
    {
        PowerLawFit fit = HillEstimator.Fit(OneToTen, strategy, position);
        Assert.AreEqual(alpha, fit.Alpha, 1e-9);
        Assert.AreEqual(distance, fit.KsDistance, 1e-9);
        Assert.AreEqual(index, fit.XminIndex);
        Assert.AreEqual(OneToTen[index], fit.Xmin);
    }

    [TestMethod]
    [DataRow(XminStrategy.Median, 3.466303462376, 0.364664716763, 1)]
    [DataRow(XminStrategy.Scan, 1.837165939827, 0.353355494402, 0)]
    public void OneFourNine_MatchesTheSpecVectors(XminStrategy strategy, double alpha, double distance, int index)
    {
        PowerLawFit fit = HillEstimator.Fit(new double[] { 1, 4, 9 }, strategy, 2.0);
        Assert.AreEqual(alpha, fit.Alpha, 1e-9);
        Assert.AreEqual(distance, fit.KsDistance, 1e-9);
        Assert.AreEqual(index, fit.XminIndex);
    }

    [TestMethod]
    public void ASingleEigenvalueGivesInfiniteAlphaAndZeroDistance()
    {
        PowerLawFit fit = HillEstimator.Fit(new[] { 0.5 }, XminStrategy.Median);
        Assert.AreEqual(double.PositiveInfinity, fit.Alpha);
        Assert.AreEqual(0.0, fit.KsDistance);
        Assert.AreEqual(0, fit.XminIndex);
    }

    [TestMethod]
    public void AFlatTailGivesInfiniteAlpha()
    {
        PowerLawFit fit = HillEstimator.Fit(new double[] { 1, 1, 2, 2, 2, 2 }, XminStrategy.Median);
        Assert.AreEqual(double.PositiveInfinity, fit.Alpha);
        Assert.AreEqual(2.0 / 3.0, fit.KsDistance, 1e-9);
        Assert.AreEqual(3, fit.XminIndex);
    }

    [TestMethod]
    public void AZeroXminGivesNaN()
    {
        PowerLawFit fit = HillEstimator.Fit(new double[] { 0, 0, 0, 1, 2 }, XminStrategy.Median);
        Assert.IsTrue(double.IsNaN(fit.Alpha));
    }

    [TestMethod]
    public void ZerosBelowXminDoNotMatter()
    {
        double[] withZeros = new double[] { 0, 0 }.Concat(Enumerable.Range(1, 8).Select(i => (double)i)).ToArray();
        PowerLawFit fit = HillEstimator.Fit(withZeros, XminStrategy.Median);
        // i = 5: tail 4..8, alpha = 1 + 5 / sum(ln(x / 4)) computed here by hand.
        double expected = 1 + 5 / (Math.Log(4 / 4.0) + Math.Log(5 / 4.0) + Math.Log(6 / 4.0) + Math.Log(7 / 4.0) + Math.Log(8 / 4.0));
        Assert.AreEqual(expected, fit.Alpha, 1e-12);
    }

    [TestMethod]
    public void ScanWithOneEigenvalueHasNoFitInsteadOfCrashing()
    {
        PowerLawFit fit = HillEstimator.Fit(new[] { 3.0 }, XminStrategy.Scan);
        Assert.IsTrue(double.IsNaN(fit.Alpha));
        Assert.AreEqual(-1, fit.XminIndex);
    }

    [TestMethod]
    public void PeakSearchesOnlyAroundTheHistogramPeakWithTheLinearLowerBound()
    {
        // A bulk of 60 values near 1 (the fullest log10 bin) plus a spread of small and large values.
        var random = new Random(5);
        var values = new List<double> { 1e-3, 3e-3, 1e-2, 0.05, 0.2, 0.5 };
        values.AddRange(Enumerable.Range(0, 60).Select(_ => 1.0 + 0.02 * random.NextDouble()));
        values.AddRange(Enumerable.Range(2, 30).Select(k => Math.Pow(k, 1.3)));
        double[] sorted = values.Order().ToArray();

        PowerLawFit fit = HillEstimator.Fit(sorted, XminStrategy.Peak);

        // Independent histogram: 100 bins over [min, max] of log10, last bin closed.
        double lo = Math.Log10(sorted[0]);
        double hi = Math.Log10(sorted[^1]);
        double width = (hi - lo) / 100;
        int[] counts = new int[100];
        foreach (double v in sorted) counts[Math.Min(99, (int)((Math.Log10(v) - lo) / width))]++;
        int peak = Array.IndexOf(counts, counts.Max());
        double xmin2 = Math.Pow(10, lo + peak * width);

        // Brute force over the candidates in [0.95 xmin2, 1.5 xmin2] with the textbook-with-xmin formula.
        double bestD = double.MaxValue, bestAlpha = double.NaN;
        int bestIndex = -1;
        for (int i = 0; i < sorted.Length - 1; i++)
        {
            if (sorted[i] < 0.95 * xmin2 || sorted[i] > 1.5 * xmin2) continue;
            int n = sorted.Length - i;
            double alpha = 1 + n / sorted.Skip(i).Sum(x => Math.Log(x / sorted[i]));
            double d = Enumerable.Range(0, n).Max(k => Math.Abs(1 - Math.Pow(sorted[i + k] / sorted[i], 1 - alpha) - (double)k / n));
            if (d < bestD) { bestD = d; bestAlpha = alpha; bestIndex = i; }
        }

        Assert.IsGreaterThanOrEqualTo(0, bestIndex);
        Assert.AreEqual(bestIndex, fit.XminIndex);
        Assert.AreEqual(bestAlpha, fit.Alpha, 1e-9);
        Assert.AreEqual(bestD, fit.KsDistance, 1e-9);
        Assert.IsGreaterThanOrEqualTo(0.95 * xmin2, fit.Xmin);
    }
}
