using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.Training;

namespace Microsoft.ML.TempBalance.Text;

/// <summary>
/// Fine-tunes a Hugging Face RoBERTa or BERT checkpoint to score the similarity of sentence pairs (a regression head with
/// one output and MSE loss, like STS-B), or, with <c>Sentence2ColumnName</c> set to null, to regress a number on one text. Add TempBalance with <see cref="TextTrainerExtensions.WithTempBalance(EncoderSentenceSimilarityTrainer, TempBalanceOptions?)"/>.
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>Input column</term><description>Type</description></listheader>
/// <item><term>Label</term><description>Single</description></item>
/// <item><term>Sentence1, Sentence2 (null for one text)</term><description>String</description></item>
/// </list>
/// <list type="table">
/// <listheader><term>Output column</term><description>Type</description></listheader>
/// <item><term>Score</term><description>Single</description></item>
/// </list>
/// </remarks>
public sealed class EncoderSentenceSimilarityTrainer : IEstimator<TextTransformer>
{
    private readonly IHostEnvironment _environment;

    internal EncoderSentenceSimilarityTrainer(IHostEnvironment environment, Options options)
    {
        _environment = environment ?? throw new ArgumentNullException(nameof(environment));
        TrainerOptions = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
    }

    /// <summary>The trainer's settings.</summary>
    public Options TrainerOptions { get; }

    /// <summary>What the last <see cref="Fit"/> did; null before.</summary>
    public TrainingResult? LastResult { get; private set; }

    /// <summary>Defaults shared by the catalog overloads.</summary>
    public static class Defaults
    {
        /// <summary>Label column (Single).</summary>
        public const string LabelColumnName = "Label";

        /// <summary>First sentence column.</summary>
        public const string Sentence1ColumnName = "Sentence1";

        /// <summary>Second sentence column.</summary>
        public const string Sentence2ColumnName = "Sentence2";

        /// <summary>Examples per step.</summary>
        public const int BatchSize = TextTrainerOptions.DefaultBatchSize;

        /// <summary>Epochs.</summary>
        public const int MaxEpochs = TextTrainerOptions.DefaultMaxEpochs;

        /// <summary>Peak learning rate.</summary>
        public const double LearningRate = TextTrainerOptions.DefaultLearningRate;

        /// <summary>The paper's transformer TempBalance setting (as <see cref="EncoderTextClassificationTrainer.Defaults.TempBalance"/>).</summary>
        public static TempBalanceOptions TempBalance() => EncoderTextClassificationTrainer.Defaults.TempBalance();
    }

    /// <summary>Settings; the common ones are on <see cref="TextTrainerOptions"/>.</summary>
    public sealed class Options : TextTrainerOptions
    {
        /// <summary>Creates the options with Sentence2 set to its default.</summary>
        public Options()
        {
            Sentence2ColumnName = Defaults.Sentence2ColumnName;
        }

        internal Options Clone() => (Options)MemberwiseClone();
    }

    private TextColumns Columns => new(TrainerOptions.LabelColumnName, TrainerOptions.Sentence1ColumnName, TrainerOptions.Sentence2ColumnName,
        TrainerOptions.ScoreColumnName, PredictedLabel: "", Regression: true);

    internal EncoderSentenceSimilarityTrainer With(TempBalanceOptions? balance)
    {
        Options copy = TrainerOptions.Clone();
        copy.TempBalance = balance;
        return new EncoderSentenceSimilarityTrainer(_environment, copy);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        TextColumns.RequireTextShapes(inputSchema, TrainerOptions.Sentence1ColumnName, TrainerOptions.Sentence2ColumnName);

        // The same check as Fit's: a scalar Single, not any number.
        if (SchemaShapes.Find(inputSchema, TrainerOptions.LabelColumnName) is not { IsKey: false, Kind: SchemaShape.Column.VectorKind.Scalar } label || label.ItemType != NumberDataViewType.Single)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"The data needs a Single column '{TrainerOptions.LabelColumnName}' (similarity label).");
        }

        return SchemaShapes.With(inputSchema, SchemaShapes.RegressionScore(TrainerOptions.ScoreColumnName));
    }

    /// <inheritdoc />
    public TextTransformer Fit(IDataView input)
    {
        (TextTransformer transformer, TrainingResult result) = TextFineTuning.Fit(_environment, nameof(EncoderSentenceSimilarityTrainer), TrainerOptions.ToSettings(Columns), input);
        LastResult = result;
        return transformer;
    }
}
