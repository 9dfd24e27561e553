using Microsoft.ML.TempBalance.Spectral;

namespace Microsoft.ML.TempBalance.Balancing;

/// <summary>
/// Settings of the TempBalance scheduler. A bare instance is the method's generic core: TB_Sigmoid (s_low 2, s_high 1,
/// τ 10) on alpha, blocks where the model has them, the ESD re-measured every epoch, nothing excluded. The settings the
/// paper used come from the trainers: <c>EncoderTextClassificationTrainer.Defaults.TempBalance()</c> (its RoBERTa
/// setting: the reference cadence, MinEigenvalues 50, the head excluded) and <c>PdeTrainingOptions.DefaultTempBalance()</c>
/// (its SciML setting: per layer, every epoch, MinEigenvalues 12).
/// </summary>
public sealed record TempBalanceOptions
{
    /// <summary>Scores to factors; <see cref="SigmoidMapping"/> (s_low 2, s_high 1, τ 10) by default.</summary>
    public ILearningRateMapping Mapping { get; init; } = new SigmoidMapping();

    /// <summary>The score (alpha by default).</summary>
    public BalanceMetric Metric { get; init; } = BalanceMetric.Alpha;

    /// <summary>Layers or blocks; <see cref="BalanceUnit.Auto"/> picks blocks when the model has them.</summary>
    public BalanceUnit Unit { get; init; } = BalanceUnit.Auto;

    /// <summary>When to recompute the ESD; every epoch by default (trainers set their own reference cadence).</summary>
    public BalanceCadence Cadence { get; init; } = BalanceCadence.EveryEpochs(1);

    /// <summary>TB_Fix: keep the step-0 scores for the whole run (the ESD is still recomputed for the logs).</summary>
    public bool FixedScores { get; init; }

    /// <summary>Learning rate (default), weight decay, or both.</summary>
    public BalanceTarget Target { get; init; } = BalanceTarget.LearningRate;

    /// <summary>Mapping for weight-decay factors; the reference's linear [0.5, 1.5] by default.</summary>
    public ILearningRateMapping WeightDecayMapping { get; init; } = new LinearMapping(0.5, 1.5);

    /// <summary>Divide the factors by their mean after mapping (the reference's <c>tb_lr_normalize</c>).</summary>
    public bool NormalizeFactors { get; init; }

    /// <summary>
    /// How the ESD is measured (xmin strategy and position, MinEigenvalues, FARMS, LoRA scaling, ...). Text
    /// trainers use xmin position 1.5 and MinEigenvalues 50; SciML trainers 2.0 and 12.
    /// </summary>
    public SpectralAnalyzerOptions Analyzer { get; init; } = new() { XminPosition = 1.5 };

    /// <summary>
    /// Layers never balanced (kept at the base rate), by name prefix: e.g. <c>classifier</c> for a classification
    /// head. Embeddings are never balanced.
    /// </summary>
    public IReadOnlyList<string> ExcludedLayers { get; init; } = Array.Empty<string>();

    /// <summary>In layer mode, a normalization layer (LayerNorm, BatchNorm, GroupNorm) shares the rate of the analysed layer registered just before it.</summary>
    public bool NormalizationFollowsLayer { get; init; } = true;

    /// <summary>
    /// Analyse a CPU snapshot of the weights on a background thread and apply its factors at the first step after
    /// it finishes (null: only when the model is on a GPU). The factors are then at most one analysis interval
    /// stale. On a CPU-only machine this competes with training for the same cores.
    /// </summary>
    public bool? BackgroundAnalysis { get; init; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Mapping, nameof(Mapping));
        ArgumentNullException.ThrowIfNull(WeightDecayMapping, nameof(WeightDecayMapping));
        ArgumentNullException.ThrowIfNull(Cadence, nameof(Cadence));
        ArgumentNullException.ThrowIfNull(Analyzer, nameof(Analyzer));
        ArgumentNullException.ThrowIfNull(ExcludedLayers, nameof(ExcludedLayers));
        if (!Enum.IsDefined(Metric))
        {
            throw new ArgumentOutOfRangeException(nameof(Metric), Metric, "Unknown balance metric.");
        }

        if (!Enum.IsDefined(Unit))
        {
            throw new ArgumentOutOfRangeException(nameof(Unit), Unit, "Unknown balance unit.");
        }

        if ((Target & BalanceTarget.Both) == 0 || (Target & ~BalanceTarget.Both) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Target), Target, "Target must be LearningRate, WeightDecay or Both.");
        }

        Analyzer.Validate();
    }
}
