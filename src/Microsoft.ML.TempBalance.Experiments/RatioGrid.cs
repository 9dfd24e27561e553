namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>
/// Learning rates and batch sizes for some of the ratios, in place of the grid's. The paper tunes both per
/// subsampling ratio (its Tables 12-14): the UNet on 1D CFD, for one, searches {2.5e-2, 5e-2, 1e-1} at batch 25 on
/// 0.6% of the data but {5e-3, 1e-2, 2.5e-2} at batch 50 on 10%.
/// </summary>
public sealed record RatioGrid
{
    /// <summary>The ratios this entry applies to; each must be one of the spec's ratios and appear in no other entry.</summary>
    public required IReadOnlyList<double> Ratios { get; init; }

    /// <summary>Peak learning rates at these ratios; null keeps the grid's.</summary>
    public IReadOnlyList<double>? LearningRate { get; init; }

    /// <summary>Batch sizes at these ratios; null keeps the grid's.</summary>
    public IReadOnlyList<int>? BatchSize { get; init; }
}
