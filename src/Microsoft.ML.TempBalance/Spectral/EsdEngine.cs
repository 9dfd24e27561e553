using TorchSharp;

namespace Microsoft.ML.TempBalance.Spectral;

/// <summary>
/// Computes ESDs (eigenvalues of WᵀW, i.e. squared singular values) of many layers at once. Each matrix is
/// reduced to its smaller Gram matrix (WᵀW or WWᵀ, whichever is smaller); the symmetric eigensolves then run one
/// layer per thread. This is several times faster than one SVD per matrix and agrees with a float64 SVD to well
/// within the 1e-3 alpha tolerance of the spec (see the tests and docs/benchmarks.md).
/// </summary>
internal static class EsdEngine
{
    // Gram sides from which only the lower block triangle is computed (see LowerGram).
    private const long SymmetricProductMinSide = 256;
    private const long PanelWidth = 192;

    /// <summary>
    /// Pooled, ascending eigenvalues for each batch of matrices in <paramref name="layers"/> ([B, m, n] each;
    /// real or complex), or null for a layer whose eigensolve did not converge even in float64 (LAPACK gives up on
    /// ill-conditioned input, such as weights near 1e30 whose float32 Gram overflows). Negative round-off of the Gram
    /// route is clamped to 0.
    /// </summary>
    /// <param name="layers">One tensor of matrices per layer.</param>
    /// <param name="useFloat64">Compute in double precision (slower; for reference checks).</param>
    /// <param name="threads">Threads over which the eigensolves are spread.</param>
    public static double[]?[] Compute(IReadOnlyList<torch.Tensor> layers, bool useFloat64, int threads)
    {
        using var scope = torch.NewDisposeScope();

        // 1. Gram matrices on the smaller side, with torch's own threading (the products are large GEMMs).
        var grams = new torch.Tensor[layers.Count];
        for (int i = 0; i < layers.Count; i++)
        {
            grams[i] = Gram(layers[i], useFloat64);
        }

        // 2. The eigensolves, one layer per thread, largest first so the threads finish together.
        var results = new double[]?[layers.Count];
        int[] order = Enumerable.Range(0, layers.Count)
            .OrderByDescending(i => grams[i].shape[0] * Math.Pow(grams[i].shape[1], 3))
            .ToArray();
        int parts = Math.Max(1, Math.Min(threads, layers.Count));
        if (parts == 1)
        {
            foreach (int i in order)
            {
                results[i] = Eigenvalues(grams[i]);
            }

            return RetryInFloat64(layers, results, useFloat64);
        }

        // LAPACK's symmetric eigensolver parallelises poorly inside one small matrix; one matrix per thread keeps
        // every core busy (measured: 1.6x faster than torch's own threading on 2 cores, see docs/benchmarks.md).
        // The thread count is per thread (OpenMP and MKL), so each worker restores its own: pool threads outlive
        // this call.
        int next = -1;
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, _ =>
        {
            int workerThreads = torch.get_num_threads();
            torch.set_num_threads(1);
            try
            {
                for (int k = Interlocked.Increment(ref next); k < order.Length; k = Interlocked.Increment(ref next))
                {
                    results[order[k]] = Eigenvalues(grams[order[k]]);
                }
            }
            finally
            {
                torch.set_num_threads(workerThreads);
            }
        });

        return RetryInFloat64(layers, results, useFloat64);
    }

    private static double[]?[] RetryInFloat64(IReadOnlyList<torch.Tensor> layers, double[]?[] results, bool useFloat64)
    {
        for (int i = 0; i < results.Length && !useFloat64; i++)
        {
            if (results[i] is null)
            {
                using var scope = torch.NewDisposeScope();
                results[i] = Eigenvalues(Gram(layers[i], useFloat64: true));
            }
        }

        return results;
    }

    // [B, s, s] Gram matrices of [B, m, n] matrices, s = min(m, n). Only the lower triangle is guaranteed to be
    // filled: that is all the eigensolver (UPLO = 'L') reads.
    private static torch.Tensor Gram(torch.Tensor matrices, bool useFloat64)
    {
        bool complex = matrices.is_complex();
        torch.ScalarType type = complex
            ? (useFloat64 ? torch.ScalarType.ComplexFloat64 : torch.ScalarType.ComplexFloat32)
            : (useFloat64 ? torch.ScalarType.Float64 : torch.ScalarType.Float32);
        torch.Tensor w = matrices.to(type);
        // x is [B, K, s]: the Gram is xᴴx, with the short side as columns.
        torch.Tensor x = w.shape[1] >= w.shape[2] ? w : w.transpose(1, 2);
        if (complex)
        {
            return x.transpose(1, 2).conj().matmul(x).resolve_conj();
        }

        if (x.shape[0] == 1 && x.shape[2] >= SymmetricProductMinSide)
        {
            return LowerGram(x[0]).unsqueeze(0);
        }

        return x.transpose(1, 2).matmul(x);
    }

    // xᵀx for one real [K, s] matrix, computing only the block columns' lower parts: for each panel of
    // PanelWidth columns, the rows from the panel down. That is about (1 + 1/p)/2 of the full product's flops
    // for p panels (0.62 for s = 768); the blocks above the diagonal are left at zero.
    private static torch.Tensor LowerGram(torch.Tensor x)
    {
        long side = x.shape[1];
        torch.Tensor gram = torch.zeros(side, side, x.dtype, x.device);
        for (long start = 0; start < side; start += PanelWidth)
        {
            long width = Math.Min(PanelWidth, side - start);
            torch.Tensor below = x.narrow(1, start, side - start);
            torch.Tensor panel = x.narrow(1, start, width);
            gram.narrow(0, start, side - start).narrow(1, start, width).copy_(below.t().matmul(panel));
        }

        return gram;
    }

    // Runs on worker threads, which have no dispose scope of their own. Null when LAPACK does not converge.
    private static double[]? Eigenvalues(torch.Tensor grams)
    {
        using var scope = torch.NewDisposeScope();
        torch.Tensor values;
        try
        {
            values = torch.linalg.eigvalsh(grams);
        }
        catch (System.Runtime.InteropServices.ExternalException e) when (e.Message.Contains("converge", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        torch.Tensor asDouble = values.to(torch.float64).cpu().contiguous();
        using (torch.Tensor finite = asDouble.isfinite().all())
        {
            // A float32 Gram that overflowed can also come back as Inf/NaN eigenvalues without a LAPACK error.
            if (!finite.item<bool>())
            {
                return null;
            }
        }

        double[] pooled = asDouble.data<double>().ToArray();
        for (int k = 0; k < pooled.Length; k++)
        {
            pooled[k] = Math.Max(0.0, pooled[k]);
        }

        Array.Sort(pooled);
        return pooled;
    }
}
