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
    /// <param name="checkpoint">Checkpoint folder (config.json; vocab.json and merges.txt, or vocab.txt; model.safetensors).</param>
    /// <param name="labelColumnName">Key label column.</param>
    /// <param name="sentence1ColumnName">Text column.</param>
    /// <param name="sentence2ColumnName">Second text column for sentence pairs, or null.</param>
    /// <param name="batchSize">Examples per step.</param>
    /// <param name="maxEpochs">Epochs.</param>
    /// <param name="learningRate">Peak learning rate.</param>
    /// <param name="validationSet">Evaluated after each epoch; the best epoch is kept.</param>
    public static TextClassificationTrainer TextClassification(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string checkpoint,
        string labelColumnName = TextClassificationTrainer.Defaults.LabelColumnName,
        string sentence1ColumnName = TextClassificationTrainer.Defaults.Sentence1ColumnName,
        string? sentence2ColumnName = null,
        int batchSize = TextClassificationTrainer.Defaults.BatchSize,
        int maxEpochs = TextClassificationTrainer.Defaults.MaxEpochs,
        double learningRate = TextClassificationTrainer.Defaults.LearningRate,
        IDataView? validationSet = null) =>
        TextClassification(catalog, new TextClassificationTrainer.Options
        {
            Checkpoint = checkpoint,
            LabelColumnName = labelColumnName,
            Sentence1ColumnName = sentence1ColumnName,
            Sentence2ColumnName = sentence2ColumnName,
            BatchSize = batchSize,
            MaxEpochs = maxEpochs,
            LearningRate = learningRate,
            ValidationSet = validationSet,
        });

    /// <summary>Fine-tunes a Hugging Face RoBERTa or BERT checkpoint to classify text, with every setting in <paramref name="options"/>.</summary>
    public static TextClassificationTrainer TextClassification(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, TextClassificationTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        IHostEnvironment environment = CatalogEnvironment.Of(catalog);
        return new TextClassificationTrainer(environment, options.Clone());
    }

    /// <summary>
    /// A new trainer of the same type that balances learning rates with TempBalance; without
    /// <paramref name="options"/>, the paper's transformer setting (<see cref="TextClassificationTrainer.Defaults.TempBalance"/>).
    /// The original trainer is unchanged.
    /// </summary>
    public static TextClassificationTrainer WithTempBalance(this TextClassificationTrainer trainer, TempBalanceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        return trainer.With(options ?? TextClassificationTrainer.Defaults.TempBalance());
    }

    /// <summary>Fine-tunes a Hugging Face RoBERTa or BERT checkpoint to score sentence-pair similarity (regression).</summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="checkpoint">Checkpoint folder.</param>
    /// <param name="labelColumnName">Single label column.</param>
    /// <param name="sentence1ColumnName">First text column.</param>
    /// <param name="sentence2ColumnName">Second text column.</param>
    /// <param name="batchSize">Examples per step.</param>
    /// <param name="maxEpochs">Epochs.</param>
    /// <param name="learningRate">Peak learning rate.</param>
    /// <param name="validationSet">Evaluated after each epoch; the best epoch is kept.</param>
    public static SentenceSimilarityTrainer SentenceSimilarity(
        this RegressionCatalog.RegressionTrainers catalog,
        string checkpoint,
        string labelColumnName = SentenceSimilarityTrainer.Defaults.LabelColumnName,
        string sentence1ColumnName = SentenceSimilarityTrainer.Defaults.Sentence1ColumnName,
        string sentence2ColumnName = SentenceSimilarityTrainer.Defaults.Sentence2ColumnName,
        int batchSize = SentenceSimilarityTrainer.Defaults.BatchSize,
        int maxEpochs = SentenceSimilarityTrainer.Defaults.MaxEpochs,
        double learningRate = SentenceSimilarityTrainer.Defaults.LearningRate,
        IDataView? validationSet = null) =>
        SentenceSimilarity(catalog, new SentenceSimilarityTrainer.Options
        {
            Checkpoint = checkpoint,
            LabelColumnName = labelColumnName,
            Sentence1ColumnName = sentence1ColumnName,
            Sentence2ColumnName = sentence2ColumnName,
            BatchSize = batchSize,
            MaxEpochs = maxEpochs,
            LearningRate = learningRate,
            ValidationSet = validationSet,
        });

    /// <summary>Fine-tunes a Hugging Face RoBERTa or BERT checkpoint for sentence similarity, with every setting in <paramref name="options"/>.</summary>
    public static SentenceSimilarityTrainer SentenceSimilarity(this RegressionCatalog.RegressionTrainers catalog, SentenceSimilarityTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new SentenceSimilarityTrainer(CatalogEnvironment.Of(catalog), options.Clone());
    }

    /// <summary>A new similarity trainer with TempBalance (the paper's transformer setting unless <paramref name="options"/> is given).</summary>
    public static SentenceSimilarityTrainer WithTempBalance(this SentenceSimilarityTrainer trainer, TempBalanceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        return trainer.With(options ?? SentenceSimilarityTrainer.Defaults.TempBalance());
    }
}
