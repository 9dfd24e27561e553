namespace Microsoft.ML.TempBalance.Sweeps;

/// <summary>One row of a sweep's leaderboard.</summary>
/// <param name="Trial">The configuration.</param>
/// <param name="Score">Its validation score (NaN when it failed).</param>
/// <param name="Seconds">Time of its fits.</param>
/// <param name="Error">Why it failed (for example a diverged run), or null.</param>
public sealed record SweepTrialResult(SweepTrial Trial, double Score, double Seconds, string? Error);

/// <summary>What a sweep found: the leaderboard, best first, and the best configuration's fitted model.</summary>
public sealed class SweepResult
{
    internal SweepResult(SweepMetric metric, IReadOnlyList<SweepTrialResult> leaderboard, ITransformer model)
    {
        Metric = metric;
        Leaderboard = leaderboard;
        Model = model;
    }

    /// <summary>The metric trials were ranked by.</summary>
    public SweepMetric Metric { get; }

    /// <summary>Every trial run, best first; failed trials last.</summary>
    public IReadOnlyList<SweepTrialResult> Leaderboard { get; }

    /// <summary>The best trial.</summary>
    public SweepTrialResult Best => Leaderboard[0];

    /// <summary>The best configuration's model (refitted on all the data unless <see cref="SweepOptions.RefitBest"/> is off); save it with <c>SaveTorchModel</c>.</summary>
    public ITransformer Model { get; }
}
