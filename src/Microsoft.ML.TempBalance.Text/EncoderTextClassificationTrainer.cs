using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.Spectral;
using Microsoft.ML.TempBalance.Training;

namespace Microsoft.ML.TempBalance.Text;

/// <summary>
/// Fine-tunes a Hugging Face RoBERTa or BERT checkpoint for text (or sentence-pair) classification, following the paper's
/// protocol: AdamW with weight decay, linear warmup (ratio 0.06) and decay, seeded shuffling, validation after each
/// epoch and the best epoch kept. Add layer-wise learning-rate balancing with <see cref="TextTrainerExtensions.WithTempBalance(EncoderTextClassificationTrainer, TempBalanceOptions?)"/>.
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>Input column</term><description>Type</description></listheader>
/// <item><term>Label</term><description>Key (e.g. from <c>MapValueToKey</c>); its key values are the label names</description></item>
/// <item><term>Sentence1</term><description>String</description></item>
/// <item><term>Sentence2 (optional)</term><description>String</description></item>
/// </list>
/// Output columns: see <see cref="TextTransformer"/>.
/// </remarks>
public sealed class EncoderTextClassificationTrainer : IEstimator<TextTransformer>
{
    private readonly IHostEnvironment _environment;

    internal EncoderTextClassificationTrainer(IHostEnvironment environment, Options options)
    {
        _environment = environment ?? throw new ArgumentNullException(nameof(environment));
        TrainerOptions = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
    }

    /// <summary>The trainer's settings (a copy is made by <see cref="TextTrainerExtensions.WithTempBalance(EncoderTextClassificationTrainer, TempBalanceOptions?)"/>).</summary>
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
        public const int BatchSize = TextTrainerOptions.DefaultBatchSize;

        /// <summary>Epochs (the paper trains 10).</summary>
        public const int MaxEpochs = TextTrainerOptions.DefaultMaxEpochs;

        /// <summary>Peak learning rate (the paper's grid is 1e-5 to 3e-5).</summary>
        public const double LearningRate = TextTrainerOptions.DefaultLearningRate;

        /// <summary>
        /// The paper's TempBalance setting for transformers: TB_Sigmoid (s_low 2, s_high 1, τ 10) per encoder block,
        /// alpha with the median xmin at position 1.5, MinEigenvalues 50, the reference cadence, head (and a BERT pooler: the reference drops it as the last layer) excluded.
        /// </summary>
        public static TempBalanceOptions TempBalance() => new()
        {
            Mapping = new SigmoidMapping(2, 1, 10),
            Unit = BalanceUnit.Block,
            Cadence = BalanceCadence.Reference(),
            Analyzer = new SpectralAnalyzerOptions { XminPosition = 1.5, MinEigenvalues = 50 },
            ExcludedLayers = new[] { "classifier", "bert.pooler" },
        };
    }

    /// <summary>Settings (public fields, ML.NET style); the common ones are on <see cref="TextTrainerOptions"/>.</summary>
    public sealed class Options : TextTrainerOptions
    {
        /// <summary>Output predicted-label column.</summary>
        public string PredictedLabelColumnName = Defaults.PredictedLabelColumnName;

        internal Options Clone() => (Options)MemberwiseClone();
    }

    internal EncoderTextClassificationTrainer With(TempBalanceOptions? balance)
    {
        Options copy = TrainerOptions.Clone();
        copy.TempBalance = balance;
        return new EncoderTextClassificationTrainer(_environment, copy);
    }

    private TextColumns Columns => new(TrainerOptions.LabelColumnName, TrainerOptions.Sentence1ColumnName, TrainerOptions.Sentence2ColumnName,
        TrainerOptions.ScoreColumnName, TrainerOptions.PredictedLabelColumnName, Regression: false);

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        TextColumns.RequireTextShapes(inputSchema, TrainerOptions.Sentence1ColumnName, TrainerOptions.Sentence2ColumnName);

        if (SchemaShapes.Find(inputSchema, TrainerOptions.LabelColumnName) is not { IsKey: true })
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"The data needs a Key column '{TrainerOptions.LabelColumnName}' (label; use MapValueToKey).");
        }

        return SchemaShapes.With(inputSchema,
            SchemaShapes.MulticlassScore(TrainerOptions.ScoreColumnName),
            SchemaShapes.MulticlassPredictedLabel(TrainerOptions.PredictedLabelColumnName));
    }

    /// <inheritdoc />
    public TextTransformer Fit(IDataView input)
    {
        (TextTransformer transformer, TrainingResult result) = TextFineTuning.Fit(_environment, nameof(EncoderTextClassificationTrainer), TrainerOptions.ToSettings(Columns), input);
        LastResult = result;
        return transformer;
    }

    /// <summary>What the last <see cref="Fit"/> did (epochs, TempBalance updates, groups); null before.</summary>
    public TrainingResult? LastResult { get; private set; }
}
