using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.Schedules;
using Microsoft.ML.TempBalance.Spectral;
using Microsoft.ML.TempBalance.Training;

namespace Microsoft.ML.TempBalance.Text;

/// <summary>
/// Fine-tunes a Hugging Face RoBERTa checkpoint for text (or sentence-pair) classification, following the paper's
/// protocol: AdamW with weight decay, linear warmup (ratio 0.06) and decay, seeded shuffling, validation after each
/// epoch and the best epoch kept. Add layer-wise learning-rate balancing with <see cref="TextTrainerExtensions.WithTempBalance"/>.
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>Input column</term><description>Type</description></listheader>
/// <item><term>Label</term><description>Key (e.g. from <c>MapValueToKey</c>); its key values are the label names</description></item>
/// <item><term>Sentence1</term><description>String</description></item>
/// <item><term>Sentence2 (optional)</term><description>String</description></item>
/// </list>
/// Output columns: see <see cref="TextClassificationTransformer"/>.
/// </remarks>
public sealed class TextClassificationTrainer : IEstimator<TextClassificationTransformer>
{
    private readonly IHostEnvironment _environment;

    internal TextClassificationTrainer(IHostEnvironment environment, Options options)
    {
        _environment = environment ?? throw new ArgumentNullException(nameof(environment));
        TrainerOptions = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
    }

    /// <summary>The trainer's settings (a copy is made by <see cref="TextTrainerExtensions.WithTempBalance"/>).</summary>
    public Options TrainerOptions { get; }

    /// <summary>Defaults shared by the simple and the <see cref="Options"/> catalog overloads.</summary>
    public static class Defaults
    {
        /// <summary>Label column.</summary>
        public const string LabelColumnName = "Label";

        /// <summary>First sentence column.</summary>
        public const string Sentence1ColumnName = "Sentence1";

        /// <summary>Score column.</summary>
        public const string ScoreColumnName = "Score";

        /// <summary>Predicted label column.</summary>
        public const string PredictedLabelColumnName = "PredictedLabel";

        /// <summary>Examples per step.</summary>
        public const int BatchSize = 16;

        /// <summary>Epochs (the paper trains 10).</summary>
        public const int MaxEpochs = 10;

        /// <summary>Peak learning rate (the paper's grid is 1e-5 to 3e-5).</summary>
        public const double LearningRate = 2e-5;

        /// <summary>AdamW weight decay (the reference scripts' 0.1).</summary>
        public const double WeightDecay = 0.1;

        /// <summary>Warmup share of the steps.</summary>
        public const double WarmupRatio = 0.06;

        /// <summary>Longest input in tokens (clipped to what the checkpoint's position embeddings allow).</summary>
        public const int MaxSequenceLength = 128;

        /// <summary>
        /// The paper's TempBalance setting for transformers: TB_Sigmoid (s_low 2, s_high 1, τ 10) per encoder block,
        /// alpha with the median xmin at position 1.5, MinEigenvalues 50, the reference cadence, head excluded.
        /// </summary>
        public static TempBalanceOptions TempBalance() => new()
        {
            Mapping = new SigmoidMapping(2, 1, 10),
            Unit = BalanceUnit.Block,
            Cadence = BalanceCadence.Reference(),
            Analyzer = new SpectralAnalyzerOptions { XminPosition = 1.5, MinEigenvalues = 50 },
            ExcludedLayers = new[] { "classifier" },
        };
    }

    /// <summary>Settings (public fields, ML.NET style).</summary>
    public sealed class Options
    {
        /// <summary>Hugging Face checkpoint folder (config.json, vocab.json, merges.txt, model.safetensors). Required.</summary>
        public string? Checkpoint;

        /// <summary>Label column (Key).</summary>
        public string LabelColumnName = Defaults.LabelColumnName;

        /// <summary>First sentence column (String).</summary>
        public string Sentence1ColumnName = Defaults.Sentence1ColumnName;

        /// <summary>Second sentence column (String), for sentence pairs; null for single sentences.</summary>
        public string? Sentence2ColumnName;

        /// <summary>Output score column.</summary>
        public string ScoreColumnName = Defaults.ScoreColumnName;

        /// <summary>Output predicted-label column.</summary>
        public string PredictedLabelColumnName = Defaults.PredictedLabelColumnName;

        /// <summary>Examples per step (and rows per scoring batch).</summary>
        public int BatchSize = Defaults.BatchSize;

        /// <summary>Epochs.</summary>
        public int MaxEpochs = Defaults.MaxEpochs;

        /// <summary>Peak learning rate.</summary>
        public double LearningRate = Defaults.LearningRate;

        /// <summary>AdamW weight decay (weights only).</summary>
        public double WeightDecay = Defaults.WeightDecay;

        /// <summary>Warmup share.</summary>
        public double WarmupRatio = Defaults.WarmupRatio;

        /// <summary>Longest input in tokens.</summary>
        public int MaxSequenceLength = Defaults.MaxSequenceLength;

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

        internal Options Clone() => (Options)MemberwiseClone();

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
    }

    internal TextClassificationTrainer With(TempBalanceOptions? balance)
    {
        Options copy = TrainerOptions.Clone();
        copy.TempBalance = balance;
        return new TextClassificationTrainer(_environment, copy);
    }

    private TextColumns Columns => new(TrainerOptions.LabelColumnName, TrainerOptions.Sentence1ColumnName, TrainerOptions.Sentence2ColumnName,
        TrainerOptions.ScoreColumnName, TrainerOptions.PredictedLabelColumnName, Regression: false);

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        foreach (string? name in new[] { TrainerOptions.Sentence1ColumnName, TrainerOptions.Sentence2ColumnName })
        {
            if (name is not null && SchemaShapes.Find(inputSchema, name) is not { ItemType: TextDataViewType, Kind: SchemaShape.Column.VectorKind.Scalar })
            {
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"The data needs a String column '{name}' (sentence column).");
            }
        }

        if (SchemaShapes.Find(inputSchema, TrainerOptions.LabelColumnName) is not { IsKey: true })
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"The data needs a Key column '{TrainerOptions.LabelColumnName}' (label; use MapValueToKey).");
        }

        return SchemaShapes.With(inputSchema,
            SchemaShapes.Vector(TrainerOptions.ScoreColumnName, NumberDataViewType.Single, slotNames: true),
            SchemaShapes.Key(TrainerOptions.PredictedLabelColumnName));
    }

    /// <inheritdoc />
    public TextClassificationTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        IHost host = _environment.Register(nameof(TextClassificationTrainer));
        using IChannel channel = host.Start("Training");
        TextColumns columns = Columns;
        columns.Check(input.Schema, withLabel: true);
        string checkpointPath = TrainerOptions.Checkpoint
            ?? throw new ArgumentException("No checkpoint: set Options.Checkpoint (or the checkpoint argument) to a Hugging Face RoBERTa folder.", nameof(Options.Checkpoint));
        string[] labels = KeyNames(input.Schema[columns.Label]);
        int seed = TrainerOptions.Seed ?? host.Rand.Next();
        RobertaCheckpoint checkpoint = RobertaCheckpoint.Load(checkpointPath, labels, seed);
        try
        {
            int maxLength = Math.Min(TrainerOptions.MaxSequenceLength, checkpoint.Config.MaxSequenceLength);
            List<TextExample> train = Read(input, columns, labels, checkpoint.Tokenizer, maxLength, "training");
            if (train.Count == 0)
            {
                throw new ArgumentException("The training data is empty.", nameof(input));
            }

            List<TextExample>? validation = TrainerOptions.ValidationSet is null ? null : Read(TrainerOptions.ValidationSet, columns, labels, checkpoint.Tokenizer, maxLength, "validation");
            if (checkpoint.HeadInitialized)
            {
                channel.Info(MessageSensitivity.None, $"The checkpoint has no classification head; a new one for {labels.Length} labels was initialised (seed {seed}).");
            }

            var engine = new TrainingEngine(new TrainingOptions
            {
                Epochs = TrainerOptions.MaxEpochs,
                BatchSize = TrainerOptions.BatchSize,
                Seed = seed,
                LearningRate = TrainerOptions.LearningRate,
                WeightDecay = TrainerOptions.WeightDecay,
                Schedule = new ScheduleSettings { Kind = ScheduleKind.LinearWarmupDecay, WarmupRatio = TrainerOptions.WarmupRatio },
                Optimizer = TrainerOptions.Optimizer,
                GradientClipNorm = TrainerOptions.GradientClipNorm,
                TempBalance = TrainerOptions.TempBalance,
                Threads = TrainerOptions.NumberOfThreads,
            });
            var task = new TextTrainingTask(train, validation, checkpoint.Tokenizer.PadId, regression: false, TrainerOptions.BatchSize);
            LastResult = engine.Train(checkpoint.Model, task, new ChannelReporter(channel));
            return new TextClassificationTransformer(checkpoint, columns, maxLength, TrainerOptions.BatchSize);
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    /// <summary>What the last <see cref="Fit"/> did (epochs, TempBalance updates, groups); null before.</summary>
    public TrainingResult? LastResult { get; private set; }

    private static string[] KeyNames(DataViewSchema.Column label)
    {
        var keyType = (KeyDataViewType)label.Type;
        if (label.Annotations.Schema.GetColumnOrNull(SchemaShapes.KeyValues) is null)
        {
            return Enumerable.Range(0, (int)keyType.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }

        VBuffer<ReadOnlyMemory<char>> names = default;
        label.GetKeyValues(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }

    private static List<TextExample> Read(IDataView data, TextColumns columns, string[] labels, RobertaTokenizer tokenizer, int maxLength, string what)
    {
        columns.Check(data.Schema, withLabel: true);
        string[] names = KeyNames(data.Schema[columns.Label]);
        var examples = new List<TextExample>();
        using DataViewRowCursor cursor = data.GetRowCursor(data.Schema.Where(c => c.Name == columns.Label || c.Name == columns.Sentence1 || c.Name == columns.Sentence2));
        ValueGetter<uint> label = cursor.GetGetter<uint>(data.Schema[columns.Label]);
        ValueGetter<ReadOnlyMemory<char>> first = cursor.GetGetter<ReadOnlyMemory<char>>(data.Schema[columns.Sentence1]);
        ValueGetter<ReadOnlyMemory<char>>? second = columns.Sentence2 is null ? null : cursor.GetGetter<ReadOnlyMemory<char>>(data.Schema[columns.Sentence2]);
        uint key = 0;
        ReadOnlyMemory<char> a = default, b = default;
        while (cursor.MoveNext())
        {
            label(ref key);
            if (key == 0 || key > names.Length)
            {
                throw new InvalidDataException($"Row {cursor.Position} of the {what} data has a missing label in column '{columns.Label}'.");
            }

            int index = Array.IndexOf(labels, names[key - 1]);
            if (index < 0)
            {
                throw new InvalidDataException($"Row {cursor.Position} of the {what} data has label '{names[key - 1]}', which the training labels ({string.Join(", ", labels)}) do not include.");
            }

            first(ref a);
            second?.Invoke(ref b);
            examples.Add(new TextExample(tokenizer.Encode(a.ToString(), second is null ? null : b.ToString(), maxLength), index, 0));
        }

        return examples;
    }

    private sealed class ChannelReporter(IChannel channel) : ITrainingReporter
    {
        public void Message(string text) => channel.Info(MessageSensitivity.None, text);

        public void Balanced(BalanceUpdate update) =>
            channel.Trace(MessageSensitivity.None, $"TempBalance at step {update.Step}: alpha mean {update.AlphaMean:F3}, std {update.AlphaStd:F3}, factors {string.Join(" ", update.Units.Select(u => u.Factor.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))}");
    }
}
