using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Spectral;

/// <summary>Matrices with prescribed singular values, and the Hill formula written out for test oracles.</summary>
internal static class KnownSpectra
{
    /// <summary>W = Q1 diag(σ) Q2ᵀ (rows x cols) with random orthogonal Q1, Q2, built in float64, stored float32.</summary>
    public static torch.Tensor WithSingularValues(int rows, int cols, double[] sigma, long seed)
    {
        int k = Math.Min(rows, cols);
        using var generator = new torch.Generator((ulong)seed);
        using var q1 = torch.linalg.qr(torch.randn(new long[] { rows, k }, dtype: torch.float64, generator: generator)).Q;
        using var q2 = torch.linalg.qr(torch.randn(new long[] { cols, k }, dtype: torch.float64, generator: generator)).Q;
        using var s = torch.diag(torch.tensor(sigma, dtype: torch.float64));
        using var w = q1.matmul(s).matmul(q2.T);
        return w.to(torch.float32);
    }

    /// <summary>Pareto-like squared singular values: λ = u^(-1/(a-1)) sorted, so the tail exponent is near a.</summary>
    public static double[] HeavyTailedSigma(int count, double a, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(_ => Math.Sqrt(Math.Pow(1 - random.NextDouble(), -1.0 / (a - 1))))
            .ToArray();
    }

    /// <summary>The reference Hill estimate with xmin at floor(N / position), written independently of the library.</summary>
    public static double MedianAlpha(IEnumerable<double> eigenvalues, double position = 2.0)
    {
        double[] sorted = eigenvalues.Order().ToArray();
        int i = (int)Math.Floor(sorted.Length / position);
        int n = sorted.Length - i;
        return 1 + n / sorted.Skip(i).Sum(x => Math.Log(x / sorted[i]));
    }

    /// <summary>Float64 SVD of a matrix (squared, ascending): the naive reference route.</summary>
    public static double[] SquaredSingularValues(torch.Tensor matrix)
    {
        using var s = torch.linalg.svdvals(matrix.is_complex() ? matrix.to(torch.complex128) : matrix.to(torch.float64));
        return s.data<double>().ToArray().Select(v => v * v).Order().ToArray();
    }
}
