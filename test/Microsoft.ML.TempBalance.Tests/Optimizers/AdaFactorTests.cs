using Microsoft.ML.TempBalance.Optimizers;
using TorchSharp;
using TorchSharp.Modules;

namespace Microsoft.ML.TempBalance.Tests.Optimizers;

/// <summary>AdaFactor steps checked against the paper's formulas evaluated by hand in double precision.</summary>
[TestClass]
public sealed class AdaFactorTests
{
    private static Parameter Param(double[,] values)
    {
        int rows = values.GetLength(0), cols = values.GetLength(1);
        var flat = new float[rows * cols];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                flat[i * cols + j] = (float)values[i, j];
            }
        }

        return new Parameter(torch.tensor(flat, new long[] { rows, cols }));
    }

    private static void SetGrad(Parameter p, float[] grad, long[] shape)
    {
        p.grad = torch.tensor(grad, shape);
    }

    private static double Rms(double[,] m)
    {
        double s = 0;
        foreach (double v in m)
        {
            s += v * v;
        }

        return Math.Sqrt(s / m.Length);
    }

    // One factored step by hand: R = mean_j(g² + ε1), C = mean_i(g² + ε1), V̂ = R Cᵀ / mean(R), U = g / √V̂,
    // U ← U / max(1, RMS(U)/d), p ← p − lr·U (β2 = 0 at t = 1; at t = 2, the state is mixed with 1 − 2^−0.8).
    private static double[,] HandStep(double[,] p, double[,] g, double lr, ref double[]? row, ref double[]? col, int t, double wd = 0, double clipThreshold = 1.0)
    {
        int m = p.GetLength(0), n = p.GetLength(1);
        double beta2 = 1 - Math.Pow(t, -0.8);
        var newRow = new double[m];
        var newCol = new double[n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sq = g[i, j] * g[i, j] + 1e-30;
                newRow[i] += sq / n;
                newCol[j] += sq / m;
            }
        }

        for (int i = 0; i < m; i++)
        {
            newRow[i] = row is null ? newRow[i] : beta2 * row[i] + (1 - beta2) * newRow[i];
        }

        for (int j = 0; j < n; j++)
        {
            newCol[j] = col is null ? newCol[j] : beta2 * col[j] + (1 - beta2) * newCol[j];
        }

        row = newRow;
        col = newCol;
        double rowMean = newRow.Average();
        var u = new double[m, n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                u[i, j] = g[i, j] / Math.Sqrt(newRow[i] * newCol[j] / rowMean);
            }
        }

        double clip = Math.Max(1, Rms(u) / clipThreshold);
        var result = new double[m, n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                result[i, j] = p[i, j] - wd * lr * p[i, j] - lr * u[i, j] / clip;
            }
        }

        return result;
    }

    private static void AssertClose(double[,] expected, Parameter actual)
    {
        float[] values = actual.data<float>().ToArray();
        int n = expected.GetLength(1);
        for (int k = 0; k < values.Length; k++)
        {
            Assert.AreEqual(expected[k / n, k % n], values[k], 2e-6, $"element {k}");
        }
    }

    [TestMethod]
    public void TwoFactoredStepsMatchTheHandComputation()
    {
        double[,] p0 = { { 0.5, -1.0, 2.0 }, { 0.1, 0.3, -0.7 } };
        double[,] g1 = { { 0.2, -0.4, 1.0 }, { 0.05, 0.3, -0.1 } };
        double[,] g2 = { { -0.1, 0.6, 0.2 }, { 0.4, -0.2, 0.3 } };
        Parameter p = Param(p0);
        using GroupedOptimizer optimizer = OptimizerFactory.Create(new[] { new OptimizerGroup("w", new[] { p }, 0.01, 0.0) }, new OptimizerSettings { Kind = OptimizerKind.AdaFactor });

        double[]? row = null, col = null;
        SetGrad(p, g1.Cast<double>().Select(v => (float)v).ToArray(), new long[] { 2, 3 });
        optimizer.Step();
        double[,] expected = HandStep(p0, g1, 0.01, ref row, ref col, 1);
        AssertClose(expected, p);

        SetGrad(p, g2.Cast<double>().Select(v => (float)v).ToArray(), new long[] { 2, 3 });
        optimizer.Step();
        expected = HandStep(expected, g2, 0.01, ref row, ref col, 2);
        AssertClose(expected, p);
    }

    [TestMethod]
    public void UnclippedFactoredStepUsesTheNormalisedRowFactor()
    {
        // A high clip threshold leaves U unscaled, so the R Cᵀ / mean(R) normalisation shows in the result.
        double[,] p0 = { { 0.5, -1.0, 2.0 }, { 0.1, 0.3, -0.7 }, { 1.5, 0.2, 0.0 } };
        double[,] g = { { 0.9, -0.4, 0.01 }, { 0.05, 0.3, -0.1 }, { 2.0, 0.02, 0.5 } };
        Parameter p = Param(p0);
        var settings = new OptimizerSettings { Kind = OptimizerKind.AdaFactor, AdaFactor = new AdaFactorOptions { ClipThreshold = 100 } };
        using GroupedOptimizer optimizer = OptimizerFactory.Create(new[] { new OptimizerGroup("w", new[] { p }, 0.01, 0.0) }, settings);
        SetGrad(p, g.Cast<double>().Select(v => (float)v).ToArray(), new long[] { 3, 3 });
        optimizer.Step();
        double[]? row = null, col = null;
        AssertClose(HandStep(p0, g, 0.01, ref row, ref col, 1, clipThreshold: 100), p);
    }

    [TestMethod]
    public void VectorStepIsSignTimesRateOnTheFirstStep()
    {
        // Unfactored at t = 1: V = g² + ε1, U = g/√V = sign(g), RMS(U) = 1, so p ← p − lr·sign(g).
        var p = new Parameter(torch.tensor(new float[] { 1f, -2f, 0.5f }));
        using GroupedOptimizer optimizer = OptimizerFactory.Create(new[] { new OptimizerGroup("b", new[] { p }, 0.1, 0.0) }, new OptimizerSettings { Kind = OptimizerKind.AdaFactor });
        p.grad = torch.tensor(new float[] { 3f, -0.001f, 0.2f });
        optimizer.Step();
        CollectionAssert.AreEqual(new float[] { 0.9f, -1.9f, 0.4f }, p.data<float>().ToArray(), new FloatComparer(1e-6f));
    }

    [TestMethod]
    public void WeightDecayAndGroupRateAreApplied()
    {
        double[,] p0 = { { 1.0, 2.0 }, { -1.0, 0.5 } };
        double[,] g = { { 0.3, 0.1 }, { -0.2, 0.4 } };
        Parameter p = Param(p0);
        var group = new OptimizerGroup("w", new[] { p }, 0.05, 0.1);
        using GroupedOptimizer optimizer = OptimizerFactory.Create(new[] { group }, new OptimizerSettings { Kind = OptimizerKind.AdaFactor });
        group.LearningRate = 0.02; // the balancer changes the rate between steps
        SetGrad(p, g.Cast<double>().Select(v => (float)v).ToArray(), new long[] { 2, 2 });
        optimizer.Step();
        double[]? row = null, col = null;
        AssertClose(HandStep(p0, g, 0.02, ref row, ref col, 1, wd: 0.1), p);
    }

    private sealed class FloatComparer(float tolerance) : System.Collections.IComparer
    {
        public int Compare(object? x, object? y) => Math.Abs((float)x! - (float)y!) <= tolerance ? 0 : 1;
    }
}
