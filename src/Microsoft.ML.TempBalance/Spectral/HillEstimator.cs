namespace Microsoft.ML.TempBalance.Spectral;

/// <summary>
/// PL_Alpha_Hill exactly as the TempBalance reference code computes it (spec 2.1): for the ascending
/// eigenvalues λ_0..λ_{N-1} and xmin = λ_i, with the tail count n = N - i counting xmin itself,
/// α = 1 + n / (Σ_{j≥i} ln λ_j - n ln λ_i), and the KS distance D = max_k |1 - (λ_{i+k}/λ_i)^{1-α} - k/n|.
/// All arithmetic is in double precision.
/// </summary>
public static class HillEstimator
{
    /// <summary>Number of histogram bins of the <see cref="XminStrategy.Peak"/> strategy.</summary>
    public const int PeakBins = 100;

    /// <summary>Fits the tail of <paramref name="ascending"/> (sorted ascending).</summary>
    /// <param name="ascending">Eigenvalues sorted ascending.</param>
    /// <param name="strategy">How xmin is chosen.</param>
    /// <param name="xminPosition">For <see cref="XminStrategy.Median"/>: i = floor(N / xminPosition); at least 1.</param>
    public static PowerLawFit Fit(ReadOnlySpan<double> ascending, XminStrategy strategy, double xminPosition = 2.0)
    {
        if (!(xminPosition >= 1.0) || double.IsInfinity(xminPosition))
        {
            throw new ArgumentOutOfRangeException(nameof(xminPosition), xminPosition, "xminPosition must be a finite number of at least 1.");
        }

        int count = ascending.Length;
        if (count == 0)
        {
            return PowerLawFit.None;
        }

        switch (strategy)
        {
            case XminStrategy.Median:
                int index = Math.Min(count - 1, (int)Math.Floor(count / xminPosition));
                double alpha = AlphaAt(ascending, index);
                return new PowerLawFit(alpha, ascending[index], index, Distance(ascending, index, alpha), count - index);
            case XminStrategy.Scan:
                return ScanRange(ascending, double.NegativeInfinity, double.PositiveInfinity, failIfNoneEvaluated: false);
            case XminStrategy.Peak:
                (double low, double high) = PeakRange(ascending);
                return ScanRange(ascending, low, high, failIfNoneEvaluated: true);
            default:
                throw new ArgumentOutOfRangeException(nameof(strategy), strategy, null);
        }
    }

    /// <summary>α̂ for xmin = λ_i, in the reference's form Σ ln λ_j - n ln λ_i (so λ_i = 0 gives NaN, as there).</summary>
    public static double AlphaAt(ReadOnlySpan<double> ascending, int index)
    {
        int tail = ascending.Length - index;
        double sum = 0;
        for (int j = index; j < ascending.Length; j++)
        {
            sum += Math.Log(ascending[j]);
        }

        return 1.0 + tail / (sum - tail * Math.Log(ascending[index]));
    }

    /// <summary>The one-sided KS distance of the fit with xmin = λ_i and exponent <paramref name="alpha"/>.</summary>
    public static double Distance(ReadOnlySpan<double> ascending, int index, double alpha)
    {
        int tail = ascending.Length - index;
        double xmin = ascending[index];
        double worst = 0;
        for (int k = 0; k < tail; k++)
        {
            double gap = Math.Abs(1.0 - Math.Pow(ascending[index + k] / xmin, 1.0 - alpha) - (double)k / tail);
            if (double.IsNaN(gap))
            {
                return double.NaN;
            }

            worst = Math.Max(worst, gap);
        }

        return worst;
    }

    private static PowerLawFit ScanRange(ReadOnlySpan<double> ascending, double low, double high, bool failIfNoneEvaluated)
    {
        int candidates = ascending.Length - 1; // the largest eigenvalue is never an xmin
        if (candidates < 1)
        {
            return PowerLawFit.None;
        }

        // Reference semantics: every candidate starts at α = 0 and D = 1; D is only computed when α > 1; the
        // first index of the smallest D wins.
        var alphas = new double[candidates];
        var distances = new double[candidates];
        Array.Fill(distances, 1.0);
        bool evaluated = false;
        for (int i = 0; i < candidates; i++)
        {
            double xmin = ascending[i];
            if (xmin < low)
            {
                continue;
            }

            if (xmin > high)
            {
                break;
            }

            evaluated = true;
            alphas[i] = AlphaAt(ascending, i);
            if (alphas[i] > 1.0)
            {
                distances[i] = Distance(ascending, i, alphas[i]);
            }
        }

        if (failIfNoneEvaluated && !evaluated)
        {
            return PowerLawFit.None;
        }

        int best = 0;
        for (int i = 1; i < candidates; i++)
        {
            // NaN distances never win, as with torch.argmin over finite values.
            if (distances[i] < distances[best] || double.IsNaN(distances[best]))
            {
                best = i;
            }
        }

        return new PowerLawFit(alphas[best], ascending[best], best, distances[best], ascending.Length - best);
    }

    private static (double Low, double High) PeakRange(ReadOnlySpan<double> ascending)
    {
        // Histogram of log10 λ over the finite logs, 100 equal bins, last bin closed (torch.histc semantics).
        double min = double.PositiveInfinity;
        double max = double.NegativeInfinity;
        foreach (double value in ascending)
        {
            double log = Math.Log10(value);
            if (double.IsFinite(log))
            {
                min = Math.Min(min, log);
                max = Math.Max(max, log);
            }
        }

        if (!double.IsFinite(min))
        {
            return (double.PositiveInfinity, double.NegativeInfinity);
        }

        if (min == max)
        {
            min -= 1;
            max += 1;
        }

        double width = (max - min) / PeakBins;
        var counts = new int[PeakBins];
        foreach (double value in ascending)
        {
            double log = Math.Log10(value);
            if (double.IsFinite(log))
            {
                counts[Math.Min(PeakBins - 1, (int)((log - min) / width))]++;
            }
        }

        int fullest = 0;
        for (int b = 1; b < PeakBins; b++)
        {
            if (counts[b] > counts[fullest])
            {
                fullest = b;
            }
        }

        double xmin2 = Math.Pow(10, min + fullest * width);
        return (0.95 * xmin2, 1.5 * xmin2);
    }
}
