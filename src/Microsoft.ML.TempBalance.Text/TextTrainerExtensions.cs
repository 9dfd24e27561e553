using Microsoft.ML.Runtime;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.MLNet;

namespace Microsoft.ML.TempBalance.Text;

/// <summary>Catalog entry points of the text trainers and <c>WithTempBalance</c>.</summary>
public static class TextTrainerExtensions
{
    /// <summary>
    /// Fine-tunes a Hugging Face RoBERTa or BERT checkpoint to classify text (or sentence pairs).
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="checkpoint">The checkpoint folder: <c>PretrainedEncoder.FromFolder("minilm/")</c>.</param>
    /// <param name="labelColumnName">Key label column.</param>
    /// <param name="sentence1ColumnName">Text column.</param>
    /// <param name="sentence2ColumnName">Second text column for sentence pairs, or null.</param>
    /// <param name="batchSize">Examples per step.</param>
    /// <param name="maxEpochs">Epochs.</param>
    /// <param name="learningRate">Peak learning rate.</param>
    /// <param name="validationSet">Evaluated after each epoch; the best epoch is kept.</param>
    public static EncoderTextClassificationTrainer TextClassification(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        PretrainedEncoder checkpoint,
        string labelColumnName = EncoderTextClassificationTrainer.Defaults.LabelColumnName,
        string sentence1ColumnName = EncoderTextClassificationTrainer.Defaults.Sentence1ColumnName,
        string? sentence2ColumnName = null,
        int batchSize = EncoderTextClassificationTrainer.Defaults.BatchSize,
        int maxEpochs = EncoderTextClassificationTrainer.Defaults.MaxEpochs,
        double learningRate = EncoderTextClassificationTrainer.Defaults.LearningRate,
        IDataView? validationSet = null) =>
        TextClassification(catalog, new EncoderTextClassificationTrainer.Options
        {
            Checkpoint = (checkpoint ?? throw new ArgumentNullException(nameof(checkpoint))).Folder,
            LabelColumnName = labelColumnName,
            Sentence1ColumnName = sentence1ColumnName,
            Sentence2ColumnName = sentence2ColumnName,
            BatchSize = batchSize,
            MaxEpochs = maxEpochs,
            LearningRate = learningRate,
            ValidationSet = validationSet,
        });

    /// <summary>Fine-tunes a Hugging Face RoBERTa or BERT checkpoint to classify text, with every setting in <paramref name="options"/>.</summary>
    public static EncoderTextClassificationTrainer TextClassification(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, EncoderTextClassificationTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        IHostEnvironment environment = CatalogEnvironment.Of(catalog);
        return new EncoderTextClassificationTrainer(environment, options.Clone());
    }

    /// <summary>
    /// A new trainer of the same type that balances learning rates with TempBalance; without
    /// <paramref name="options"/>, the paper's transformer setting (<see cref="EncoderTextClassificationTrainer.Defaults.TempBalance"/>).
    /// The original trainer is unchanged.
    /// </summary>
    public static EncoderTextClassificationTrainer WithTempBalance(this EncoderTextClassificationTrainer trainer, TempBalanceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        return trainer.With(options ?? EncoderTextClassificationTrainer.Defaults.TempBalance());
    }

    /// <summary>Fine-tunes a Hugging Face RoBERTa or BERT checkpoint to score sentence-pair similarity (regression).</summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="checkpoint">The checkpoint folder: <c>PretrainedEncoder.FromFolder("minilm/")</c>.</param>
    /// <param name="labelColumnName">Single label column.</param>
    /// <param name="sentence1ColumnName">First text column.</param>
    /// <param name="sentence2ColumnName">Second text column.</param>
    /// <param name="batchSize">Examples per step.</param>
    /// <param name="maxEpochs">Epochs.</param>
    /// <param name="learningRate">Peak learning rate.</param>
    /// <param name="validationSet">Evaluated after each epoch; the best epoch is kept.</param>
    public static EncoderSentenceSimilarityTrainer SentenceSimilarity(
        this RegressionCatalog.RegressionTrainers catalog,
        PretrainedEncoder checkpoint,
        string labelColumnName = EncoderSentenceSimilarityTrainer.Defaults.LabelColumnName,
        string sentence1ColumnName = EncoderSentenceSimilarityTrainer.Defaults.Sentence1ColumnName,
        string sentence2ColumnName = EncoderSentenceSimilarityTrainer.Defaults.Sentence2ColumnName,
        int batchSize = EncoderSentenceSimilarityTrainer.Defaults.BatchSize,
        int maxEpochs = EncoderSentenceSimilarityTrainer.Defaults.MaxEpochs,
        double learningRate = EncoderSentenceSimilarityTrainer.Defaults.LearningRate,
        IDataView? validationSet = null) =>
        SentenceSimilarity(catalog, new EncoderSentenceSimilarityTrainer.Options
        {
            Checkpoint = (checkpoint ?? throw new ArgumentNullException(nameof(checkpoint))).Folder,
            LabelColumnName = labelColumnName,
            Sentence1ColumnName = sentence1ColumnName,
            Sentence2ColumnName = sentence2ColumnName,
            BatchSize = batchSize,
            MaxEpochs = maxEpochs,
            LearningRate = learningRate,
            ValidationSet = validationSet,
        });

    /// <summary>Fine-tunes a Hugging Face RoBERTa or BERT checkpoint for sentence similarity, with every setting in <paramref name="options"/>.</summary>
    public static EncoderSentenceSimilarityTrainer SentenceSimilarity(this RegressionCatalog.RegressionTrainers catalog, EncoderSentenceSimilarityTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new EncoderSentenceSimilarityTrainer(CatalogEnvironment.Of(catalog), options.Clone());
    }

    /// <summary>A new similarity trainer with TempBalance (the paper's transformer setting unless <paramref name="options"/> is given).</summary>
    public static EncoderSentenceSimilarityTrainer WithTempBalance(this EncoderSentenceSimilarityTrainer trainer, TempBalanceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        return trainer.With(options ?? EncoderSentenceSimilarityTrainer.Defaults.TempBalance());
    }
}
