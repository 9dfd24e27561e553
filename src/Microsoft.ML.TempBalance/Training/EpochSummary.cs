namespace Microsoft.ML.TempBalance.Training;

/// <summary>One finished epoch.</summary>
/// <param name="Epoch">0-based epoch.</param>
/// <param name="TrainLoss">Mean batch loss over the epoch.</param>
/// <param name="Validation">Validation result after the epoch (null without a validation set).</param>
/// <param name="LearningRate">Base learning rate of the epoch's last step.</param>
/// <param name="AlphaStd">Std of alpha across layers at the last TempBalance analysis (NaN without TempBalance).</param>
/// <param name="Seconds">Wall time of the epoch, validation included.</param>
public sealed record EpochSummary(int Epoch, double TrainLoss, ValidationResult? Validation, double LearningRate, double AlphaStd, double Seconds)
{
    /// <summary>
    /// Std of the block alphas at the last TempBalance analysis: the paper's diagnostic for transformers (NaN without
    /// TempBalance or without blocks).
    /// </summary>
    public double BlockAlphaStd { get; init; } = double.NaN;
}
