using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.Schedules;

namespace Microsoft.ML.TempBalance.Training;

/// <summary>Settings of the shared training engine.</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Examples per optimizer step.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Seed of the shuffling, of torch's generator and of dropout.</summary>
    public int Seed { get; init; }

    /// <summary>Shuffle the examples every epoch (seeded).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Peak (or initial) learning rate of the base schedule.</summary>
    public double LearningRate { get; init; } = 2e-5;

    /// <summary>Weight decay of decay groups (weights; never biases or norms).</summary>
    public double WeightDecay { get; init; }

    /// <summary>Base schedule.</summary>
    public ScheduleSettings Schedule { get; init; } = new();

    /// <summary>Optimizer.</summary>
    public OptimizerSettings Optimizer { get; init; } = new();

    /// <summary>Clip the global gradient norm to this value (null: no clipping). 1.0 as Hugging Face.</summary>
    public double? GradientClipNorm { get; init; } = 1.0;

    /// <summary>TempBalance settings; null trains without balancing (the FT baseline).</summary>
    public TempBalanceOptions? TempBalance { get; init; }

    /// <summary>Restore the weights of the best validation epoch at the end.</summary>
    public bool KeepBestEpoch { get; init; } = true;

    /// <summary>
    /// Safetensors file the final model is written to (atomically) after a successful run; null for none. A run
    /// that diverges or is cancelled leaves no file.
    /// </summary>
    public string? OutputPath { get; init; }

    /// <summary>Torch intra-op threads, set before training; 0 = the number of logical cores.</summary>
    public int Threads { get; init; }

    /// <summary>Resumable checkpoints of the run (written at epoch ends); null for none.</summary>
    public TrainingCheckpointOptions? Checkpoint { get; init; }

    internal void Validate()
    {
        if (Epochs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be at least 1.");
        }

        if (BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1.");
        }

        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be a positive finite number.");
        }

        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "WeightDecay must be a non-negative finite number.");
        }

        if (GradientClipNorm is { } clip && (!(clip > 0) || double.IsInfinity(clip)))
        {
            throw new ArgumentOutOfRangeException(nameof(GradientClipNorm), clip, "GradientClipNorm must be positive and finite, or null.");
        }

        if (Threads < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Threads must be 0 (all logical cores) or positive.");
        }

        ArgumentNullException.ThrowIfNull(Schedule, nameof(Schedule));
        ArgumentNullException.ThrowIfNull(Optimizer, nameof(Optimizer));
        TempBalance?.Validate();
        Checkpoint?.Validate();
    }
}
