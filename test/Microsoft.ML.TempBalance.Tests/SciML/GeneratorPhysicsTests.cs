using Microsoft.ML.TempBalance.SciML;
using Microsoft.ML.TempBalance.SciML.Generators;

namespace Microsoft.ML.TempBalance.Tests.SciML;

[TestClass]
public sealed class GeneratorPhysicsTests
{
    [TestMethod]
    public void AdvectionFramesAreTheShiftedInitialCondition()
    {
        // beta = 1 and frames every cell width: frame k is frame 0 moved k cells to the right.
        const int n = 64;
        PdeDataset data = PdeGenerators.Advection(samples: 3, resolution: n, beta: 1.0, frames: 6, endTime: 5.0 / n, seed: 4);
        for (int s = 0; s < 3; s++)
        {
            ReadOnlySpan<float> sample = data.Sample(s);
            for (int k = 1; k < 6; k++)
            {
                for (int i = 0; i < n; i++)
                {
                    Assert.AreEqual(sample[(i - k + n) % n], sample[k * n + i], 1e-6, $"sample {s}, frame {k}, cell {i}");
                }
            }
        }
    }

    [TestMethod]
    public void BurgersConservesMassToRoundOff()
    {
        var initial = new RandomSines1D(new Random(3), 4, 1.0, 0.0);
        double[] u0 = Enumerable.Range(0, 128).Select(i => initial.Evaluate((i + 0.5) / 128)).ToArray();
        double[][] frames = BurgersSolver.Solve(u0, 0.001 / Math.PI, new[] { 0.0, 0.1, 0.5 });
        double mass0 = u0.Sum() / 128;
        double scale = u0.Sum(Math.Abs) / 128;
        foreach (double[] frame in frames)
        {
            Assert.AreEqual(mass0, frame.Sum() / 128, 1e-13 * Math.Max(1, scale));
        }

        Assert.IsGreaterThan(1e-3, frames[2].Zip(u0).Max(p => Math.Abs(p.First - p.Second)), "the solution must actually evolve");
    }

    [TestMethod]
    public void BurgersShockMovesAtTheRankineHugoniotSpeed()
    {
        // u = 1 on [0.25, 0.5), 0 elsewhere: the right edge is a shock with speed (1 + 0) / 2 = 0.5.
        const int n = 400;
        double[] u0 = Enumerable.Range(0, n).Select(i => (i + 0.5) / n is >= 0.25 and < 0.5 ? 1.0 : 0.0).ToArray();
        double[] u = BurgersSolver.Solve(u0, 1e-4, new[] { 0.2 })[0];
        int index = Enumerable.Range(n / 2, n / 2).First(i => u[i] < 0.5);
        double position = (double)index / n; // the face where u first drops below the mid value
        Assert.AreEqual(0.5 + 0.5 * 0.2, position, 3.0 / n, $"shock at {position}");
    }

    [TestMethod]
    public void DarcyDiscreteResidualIsBelowOneInAMillion()
    {
        const int n = 32;
        PdeDataset data = PdeGenerators.Darcy(samples: 2, resolution: n, beta: 100, seed: 2);
        for (int s = 0; s < 2; s++)
        {
            ReadOnlySpan<float> sample = data.Sample(s);
            double[] a = sample[..(n * n)].ToArray().Select(v => (double)v).ToArray();
            Assert.IsTrue(a.All(v => v is 1.0 or 0.1f), "a is 1 or 0.1");
            // Re-solve in double (the stored u is float32) and check −∇·(a∇u) = β cell by cell, written out here.
            (double[] u, _) = DarcySolver.Solve(a, n, 100);
            double h = 1.0 / n, worst = 0;
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double Coefficient(int ii, int jj) => ii < 0 || jj < 0 || ii >= n || jj >= n ? a[i * n + j] : a[ii * n + jj];
                    double Value(int ii, int jj) => ii < 0 || jj < 0 || ii >= n || jj >= n ? 0 : u[ii * n + jj];
                    double flux = 0;
                    foreach ((int di, int dj) in new[] { (-1, 0), (1, 0), (0, -1), (0, 1) })
                    {
                        double face = 0.5 * (a[i * n + j] + Coefficient(i + di, j + dj));
                        flux += face * (u[i * n + j] - Value(i + di, j + dj)) / (h * h);
                    }

                    worst = Math.Max(worst, Math.Abs(flux - 100));
                }
            }

            Assert.IsLessThan(1e-6 * 100, worst, $"max residual {worst}");
            for (int i = 0; i < n * n; i++)
            {
                Assert.AreEqual(u[i], sample[n * n + i], 1e-5 * Math.Max(1, Math.Abs(u[i])));
            }
        }
    }

    [TestMethod]
    public void GenerationIsDeterministicAndIndependentOfThreads()
    {
        float[] one = PdeGenerators.Burgers(samples: 4, resolution: 32, nu: 0.01, frames: 3, endTime: 0.05, seed: 9, threads: 1).Data;
        float[] two = PdeGenerators.Burgers(samples: 4, resolution: 32, nu: 0.01, frames: 3, endTime: 0.05, seed: 9, threads: 2).Data;
        CollectionAssert.AreEqual(one, two);
        float[] other = PdeGenerators.Burgers(samples: 4, resolution: 32, nu: 0.01, frames: 3, endTime: 0.05, seed: 10, threads: 2).Data;
        CollectionAssert.AreNotEqual(one, other);
    }

    [TestMethod]
    public void ASolutionThatOverflowsIsRefusedNotReturned()
    {
        // u grows linearly with the forcing beta (max |u| ≈ 0.1·beta here): the double solve is fine at 1e40, the float
        // data overflow to infinity. At 1e300 the force's own norm overflows and the argument is refused up front.
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => PdeGenerators.Darcy(samples: 3, resolution: 8, beta: 1e40, seed: 4, threads: 2));
        StringAssert.Contains(error.Message, "darcy solver produced NaN or infinity in sample 0 of seed 4");
        var argument = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => PdeGenerators.Darcy(samples: 2, resolution: 8, beta: 1e300, seed: 4));
        Assert.AreEqual("beta", argument.ParamName);
        Assert.IsTrue(PdeGenerators.Darcy(samples: 2, resolution: 8, beta: 100, seed: 4).Data.All(float.IsFinite));
        double[] broken = Enumerable.Repeat(1.0, 16).ToArray();
        broken[5] = double.NaN;
        Assert.ThrowsExactly<InvalidOperationException>(() => DarcySolver.Solve(broken, 4, 1.0), "a NaN residual ends the iteration, and must not look converged");
        Assert.AreEqual("a", Assert.ThrowsExactly<ArgumentException>(() => DarcySolver.Solve(new double[15], 4, 1.0)).ParamName);
        Assert.AreEqual("tolerance", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DarcySolver.Solve(new double[16], 4, 1.0, tolerance: 0)).ParamName);
    }
}

[TestClass]
public sealed class CompressibleFlowTests
{
    private static (double Mass, double Momentum, double Energy) Totals(double[][] w)
    {
        double mass = 0, momentum = 0, energy = 0;
        for (int i = 0; i < w[0].Length; i++)
        {
            double rho = w[0][i], v = w[1][i], p = w[2][i];
            mass += rho;
            momentum += rho * v;
            energy += p / (CompressibleFlow1D.Gamma - 1) + 0.5 * rho * v * v;
        }

        return (mass, momentum, energy);
    }

    [TestMethod]
    public void MassMomentumAndEnergyAreConservedToRoundOff()
    {
        const int n = 128;
        var random = new Random(5);
        double[] x = Enumerable.Range(0, n).Select(i => -1 + 2.0 * (i + 0.5) / n).ToArray();
        double[] rho = x.Select(v => 2 + Math.Sin(Math.PI * v) + 0.5 * Math.Cos(3 * Math.PI * v)).ToArray();
        double[] vel = x.Select(v => 0.5 * Math.Sin(2 * Math.PI * v + random.NextDouble())).ToArray();
        double[] p = x.Select(v => 20 + 5 * Math.Cos(Math.PI * v)).ToArray();
        double[][][] frames = CompressibleFlow1D.Solve(rho, vel, p, 0.01, 0.01, new[] { 0.0, 0.05, 0.2 });
        var start = Totals(frames[0]);
        foreach (double[][] frame in frames.Skip(1))
        {
            var now = Totals(frame);
            Assert.AreEqual(start.Mass, now.Mass, 1e-12 * start.Mass);
            Assert.AreEqual(start.Momentum, now.Momentum, 1e-12 * start.Energy);
            Assert.AreEqual(start.Energy, now.Energy, 1e-12 * start.Energy);
        }

        Assert.IsGreaterThan(1e-3, frames[2][0].Zip(rho).Max(pair => Math.Abs(pair.First - pair.Second)), "the flow must evolve");
    }

    [TestMethod]
    public void HllcFluxOfEqualStatesIsThePhysicalFlux()
    {
        Span<double> flux = stackalloc double[3];
        CompressibleFlow1D.Hllc(1.3, 0.7, 2.0, 1.3, 0.7, 2.0, flux);
        double e = 2.0 / (CompressibleFlow1D.Gamma - 1) + 0.5 * 1.3 * 0.49;
        Assert.AreEqual(1.3 * 0.7, flux[0], 1e-14);
        Assert.AreEqual(1.3 * 0.49 + 2.0, flux[1], 1e-14);
        Assert.AreEqual((e + 2.0) * 0.7, flux[2], 1e-14);
    }

    [TestMethod]
    public void UniformFlowStaysUniform()
    {
        double[] rho = Enumerable.Repeat(1.5, 32).ToArray(), v = Enumerable.Repeat(0.3, 32).ToArray(), p = Enumerable.Repeat(10.0, 32).ToArray();
        double[][] end = CompressibleFlow1D.Solve(rho, v, p, 0.01, 0.01, new[] { 0.1 })[0];
        Assert.IsTrue(end[0].All(r => Math.Abs(r - 1.5) < 1e-12) && end[2].All(q => Math.Abs(q - 10) < 1e-10));
    }

    [TestMethod]
    public void GeneratedCfdHasPdeBenchRangesAndChannels()
    {
        PdeDataset data = PdeGenerators.CompressibleFlow1D(samples: 3, resolution: 32, frames: 3, endTime: 0.02, solverResolution: 64, seed: 2);
        CollectionAssert.AreEqual(new[] { "density", "pressure", "Vx" }, data.Channels.ToArray());
        float[] density = Enumerable.Range(0, data.Data.Length / 3).Select(i => data.Data[i * 3]).ToArray();
        float[] pressure = Enumerable.Range(0, data.Data.Length / 3).Select(i => data.Data[i * 3 + 1]).ToArray();
        Assert.IsTrue(density.All(d => d >= 0.9f && d <= 20.5f), $"density in [{density.Min()}, {density.Max()}]");
        Assert.IsTrue(pressure.All(q => q >= 9f && q <= 201f), $"pressure in [{pressure.Min()}, {pressure.Max()}]");
        Assert.AreEqual(-1 + 2.0 / 64 * 0.5, data.SpatialCoordinates[0][0], 1e-6, "the first solver cell, kept by PDEBench-style striding [::2]");
    }
}
