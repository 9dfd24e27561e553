using Microsoft.ML.TempBalance.Balancing;

namespace Microsoft.ML.TempBalance.Sweeps;

/// <summary>One configuration of a sweep, handed to the pipeline factory that builds the estimator to fit.</summary>
/// <param name="Index">Position in the space's enumeration.</param>
/// <param name="LearningRate">Peak learning rate.</param>
/// <param name="BatchSize">Batch size.</param>
/// <param name="TempBalance">Whether TempBalance is on.</param>
/// <param name="SigmoidLow">TB_Sigmoid's s_low (TempBalance on only).</param>
/// <param name="SigmoidHigh">TB_Sigmoid's s_high (TempBalance on only).</param>
/// <param name="LoraRank">LoRA rank; 0 for full fine-tuning.</param>
public sealed record SweepTrial(int Index, double LearningRate, int BatchSize, bool TempBalance, double SigmoidLow, double SigmoidHigh, int LoraRank)
{
    /// <summary>The TempBalance settings of this trial: <paramref name="defaults"/> with this trial's TB_Sigmoid scales, or null when off.</summary>
    public TempBalanceOptions? Balance(TempBalanceOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        return TempBalance ? defaults with { Mapping = new SigmoidMapping(SigmoidLow, SigmoidHigh) } : null;
    }

    /// <inheritdoc />
    public override string ToString() =>
        FormattableString.Invariant($"lr {LearningRate:G3}, batch {BatchSize}, ") + (TempBalance ? FormattableString.Invariant($"TB_Sigmoid {SigmoidLow:G3}/{SigmoidHigh:G3}") : "no TB")
        + (LoraRank > 0 ? $", LoRA rank {LoraRank}" : "");
}
