namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>
/// Estimates the time left in a run from the trials that actually ran in it (trials skipped as finished cost
/// nothing, so they must not count). A trial's cost grows with its training set, so the estimate fits
/// seconds = a + b·ratio by least squares with a, b ≥ 0 once two ratios have run, and scales with the ratio before.
/// </summary>
internal sealed class TrialTimeEstimate
{
    private readonly List<(double Ratio, double Seconds)> _runs = [];

    /// <summary>Records a trial that ran.</summary>
    public void Add(double ratio, double seconds) => _runs.Add((ratio, seconds));

    /// <summary>Estimated seconds for trials of these ratios; null before any trial has run.</summary>
    public double? SecondsFor(IEnumerable<double> ratios)
    {
        ArgumentNullException.ThrowIfNull(ratios);
        if (_runs.Count == 0)
        {
            return null;
        }

        (double a, double b) = Fit();
        return ratios.Sum(r => a + b * r);
    }

    // Least squares for seconds = a + b·ratio with a, b ≥ 0: the unconstrained line when both come out
    // non-negative, else the best line on the boundary (a constant when the slope is negative, a line through the
    // origin when the intercept is).
    private (double Intercept, double Slope) Fit()
    {
        double meanRatio = _runs.Average(r => r.Ratio), meanSeconds = _runs.Average(r => r.Seconds);
        double sxx = _runs.Sum(r => (r.Ratio - meanRatio) * (r.Ratio - meanRatio));
        double sxy = _runs.Sum(r => (r.Ratio - meanRatio) * (r.Seconds - meanSeconds));
        if (sxx > 1e-12 * Math.Max(1, meanRatio * meanRatio))
        {
            double slope = sxy / sxx, intercept = meanSeconds - slope * meanRatio;
            if (slope < 0)
            {
                return (meanSeconds, 0);
            }

            if (intercept >= 0)
            {
                return (intercept, slope);
            }
        }

        // One ratio so far, or a negative intercept: cost proportional to the training set.
        return (0, _runs.Sum(r => r.Ratio * r.Seconds) / _runs.Sum(r => r.Ratio * r.Ratio));
    }
}
