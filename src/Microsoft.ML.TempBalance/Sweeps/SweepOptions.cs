namespace Microsoft.ML.TempBalance.Sweeps;

/// <summary>How a sweep searches, what it spends and how it scores a trial.</summary>
public sealed record SweepOptions
{
    /// <summary>Grid (every configuration, in order) or random (a seeded sample without repeats).</summary>
    public SweepStrategy Strategy { get; init; } = SweepStrategy.Grid;

    /// <summary>Trials at most (null: the whole space for a grid; required for a random search).</summary>
    public int? MaxTrials { get; init; }

    /// <summary>No new trial starts after this much time (null: no limit).</summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>Seed of the random search and of the validation split.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Share of the data held out to score each trial (ignored with <see cref="Folds"/> ≥ 2).</summary>
    public double ValidationFraction { get; init; } = 0.2;

    /// <summary>k-fold cross-validation when at least 2 (each trial's score is the mean over folds); 0 uses the hold-out.</summary>
    public int Folds { get; init; }

    /// <summary>Refit the best configuration on all the data for <see cref="SweepResult.Model"/> (otherwise the model of its first fit is returned).</summary>
    public bool RefitBest { get; init; } = true;
}

/// <summary>How a sweep picks configurations.</summary>
public enum SweepStrategy
{
    /// <summary>Every configuration of the space, in order.</summary>
    Grid,

    /// <summary>A seeded random sample of the space, without repeats.</summary>
    Random,
}
