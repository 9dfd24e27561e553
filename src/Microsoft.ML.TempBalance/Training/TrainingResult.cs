using Microsoft.ML.TempBalance.Balancing;

namespace Microsoft.ML.TempBalance.Training;

/// <summary>What a training run did.</summary>
public sealed record TrainingResult
{
    /// <summary>Per-epoch summaries.</summary>
    public required IReadOnlyList<EpochSummary> Epochs { get; init; }

    /// <summary>The epoch whose weights the model holds at the end (the best validation epoch, or the last).</summary>
    public required int BestEpoch { get; init; }

    /// <summary>Validation at <see cref="BestEpoch"/> (null without a validation set).</summary>
    public ValidationResult? BestValidation { get; init; }

    /// <summary>
    /// Every TempBalance analysis of this call (empty without TempBalance); after a resume, those since the checkpoint
    /// (<see cref="Epochs"/> covers the whole run).
    /// </summary>
    public required IReadOnlyList<BalanceUpdate> BalanceUpdates { get; init; }

    /// <summary>Optimizer steps taken.</summary>
    public required long Steps { get; init; }

    /// <summary>Wall time of the run.</summary>
    public required double TotalSeconds { get; init; }

    /// <summary>Wall time of the TempBalance analyses.</summary>
    public required double BalanceSeconds { get; init; }

    /// <summary>The optimizer groups (names and the unit of each).</summary>
    public required ParameterGrouping Grouping { get; init; }
}
