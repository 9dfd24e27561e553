using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Optimizers;

namespace Microsoft.ML.TempBalance.Text;

/// <summary>
/// Settings shared by the text trainers (RoBERTa and BERT checkpoints) (public fields, ML.NET style). Training follows the paper's protocol
/// (appendix D.1): AdamW, weight decay, linear warmup (ratio 0.06) and decay, seeded shuffling, validation each
/// epoch with the best epoch kept.
/// </summary>
public abstract class TextTrainerOptions
{
    internal const int DefaultBatchSize = 16;
    internal const int DefaultMaxEpochs = 10;
    internal const double DefaultLearningRate = 2e-5;

    /// <summary>Hugging Face RoBERTa or BERT checkpoint folder (config.json; vocab.json and merges.txt, or vocab.txt; model.safetensors). Required.</summary>
    public string? Checkpoint;

    /// <summary>Label column (Key for classification, Single for similarity).</summary>
    public string LabelColumnName = "Label";

    /// <summary>First sentence column (String).</summary>
    public string Sentence1ColumnName = "Sentence1";

    /// <summary>Second sentence column (String) for sentence pairs; null for single sentences.</summary>
    public string? Sentence2ColumnName;

    /// <summary>Output score column.</summary>
    public string ScoreColumnName = "Score";

    /// <summary>Examples per step (and rows per scoring batch).</summary>
    public int BatchSize = DefaultBatchSize;

    /// <summary>Epochs.</summary>
    public int MaxEpochs = DefaultMaxEpochs;

    /// <summary>Peak learning rate (the paper's grid: 1e-5, 2e-5, 3e-5).</summary>
    public double LearningRate = DefaultLearningRate;

    /// <summary>AdamW weight decay on weight matrices (the reference scripts' 0.1).</summary>
    public double WeightDecay = 0.1;

    /// <summary>Warmup share of the steps.</summary>
    public double WarmupRatio = 0.06;

    /// <summary>Longest input in tokens, special tokens included (clipped to the checkpoint's position embeddings).</summary>
    public int MaxSequenceLength = 128;

    /// <summary>Validation data evaluated after each epoch; the best epoch is kept. Optional.</summary>
    public IDataView? ValidationSet;

    /// <summary>Seed of shuffling, dropout and head initialisation; null takes one from the MLContext.</summary>
    public int? Seed;

    /// <summary>Torch threads; 0 = all logical cores.</summary>
    public int NumberOfThreads;

    /// <summary>Optimizer (AdamW by default; SAM and AdaFactor available).</summary>
    public OptimizerSettings Optimizer = new();

    /// <summary>Global gradient-norm clipping (1.0, as Hugging Face).</summary>
    public double? GradientClipNorm = 1.0;

    /// <summary>TempBalance settings; null trains without balancing.</summary>
    public TempBalanceOptions? TempBalance;

    /// <summary>Receives progress (steps, epochs, TempBalance updates) besides the ML.NET log; optional.</summary>
    public Training.ITrainingReporter? Reporter;

    /// <summary>
    /// LoRA adapters (only they and the head train; TempBalance then scores the adapted layers by the ESD of
    /// W + B·A); null for full fine-tuning.
    /// </summary>
    public LoraOptions? Lora;

    /// <summary>
    /// Resumable checkpoints (weights, optimizer, TempBalance and random state, written atomically at epoch ends): a
    /// run killed midway and fitted again with <see cref="Training.TrainingCheckpointOptions.Resume"/> ends with the
    /// weights an uninterrupted run would have. Without <see cref="Seed"/>, a resumed fit takes the seed the run started
    /// with from the checkpoint. Null for none.
    /// </summary>
    public Training.TrainingCheckpointOptions? TrainingState;

    internal void Validate()
    {
        if (BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1.");
        }

        if (MaxEpochs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEpochs), MaxEpochs, "MaxEpochs must be at least 1.");
        }

        if (MaxSequenceLength < 5)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSequenceLength), MaxSequenceLength, "MaxSequenceLength must be at least 5.");
        }

        ArgumentException.ThrowIfNullOrEmpty(LabelColumnName, nameof(LabelColumnName));
        ArgumentException.ThrowIfNullOrEmpty(Sentence1ColumnName, nameof(Sentence1ColumnName));
    }

    internal TextFineTuning.Settings ToSettings(TextColumns columns) => new(
        Checkpoint, columns, BatchSize, MaxEpochs, LearningRate, WeightDecay, WarmupRatio, MaxSequenceLength,
        ValidationSet, Seed, NumberOfThreads, Optimizer, GradientClipNorm, TempBalance, Lora, Reporter, TrainingState);
}
