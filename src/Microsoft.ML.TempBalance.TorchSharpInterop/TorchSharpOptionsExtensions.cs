using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.Text;
using NasBert = Microsoft.ML.TorchSharp.NasBert;

namespace Microsoft.ML.TempBalance.TorchSharpInterop;

/// <summary>
/// Switching from Microsoft.ML.TorchSharp's text trainers in one call: their options objects
/// (<see cref="NasBert.TextClassificationTrainer.TextClassificationOptions"/>,
/// <see cref="NasBert.SentenceSimilarityTrainer.SentenceSimilarityOptions"/>) with a pretrained checkpoint become our
/// trainers, which then take <c>.WithTempBalance()</c>.
/// </summary>
/// <remarks>
/// Mapped: the label, sentence, score and predicted-label columns, batch size, epochs (<c>MaxEpoch</c>), validation
/// set, warmup ratio, clip norm, weight decay, the first learning rate of ML.NET's list, and the Adam betas and
/// epsilon. Not mapped, because the checkpoint's own architecture decides them or ours has no such setting: the
/// NAS-BERT architecture switches (<c>FreezeEncoder</c>, <c>FreezeTransfer</c>, <c>LayerNormTraining</c>,
/// <c>EncoderNormalizeBefore</c>, <c>DynamicDropout</c>), the dropouts (the checkpoint's <c>config.json</c> sets them),
/// and the one-cycle ratios (<c>StartLearningRateRatio</c>, <c>FinalLearningRateRatio</c>: ours warm up linearly for
/// <c>WarmupRatio</c> and then decay linearly, the paper's schedule).
/// </remarks>
public static class TorchSharpOptionsExtensions
{
    /// <summary>Our text classifier with ML.NET's options mapped onto it, fine-tuning <paramref name="checkpoint"/>.</summary>
    public static EncoderTextClassificationTrainer TextClassification(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, PretrainedEncoder checkpoint, NasBert.TextClassificationTrainer.TextClassificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ours = new EncoderTextClassificationTrainer.Options { PredictedLabelColumnName = options.PredictionColumnName };
        Map(options, checkpoint, ours);
        return catalog.TextClassification(ours);
    }

    /// <summary>Our similarity regressor with ML.NET's options mapped onto it, fine-tuning <paramref name="checkpoint"/>.</summary>
    public static EncoderSentenceSimilarityTrainer SentenceSimilarity(this RegressionCatalog.RegressionTrainers catalog, PretrainedEncoder checkpoint, NasBert.SentenceSimilarityTrainer.SentenceSimilarityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ours = new EncoderSentenceSimilarityTrainer.Options();
        Map(options, checkpoint, ours);
        return catalog.SentenceSimilarity(ours);
    }

    private static void Map(NasBert.NasBertTrainer.NasBertOptions from, PretrainedEncoder checkpoint, TextTrainerOptions to)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        to.Checkpoint = checkpoint.Folder;
        to.LabelColumnName = from.LabelColumnName;
        to.Sentence1ColumnName = from.Sentence1ColumnName;
        to.Sentence2ColumnName = string.IsNullOrEmpty(from.Sentence2ColumnName) ? null : from.Sentence2ColumnName;
        to.ScoreColumnName = from.ScoreColumnName;
        to.BatchSize = from.BatchSize;
        to.MaxEpochs = from.MaxEpoch;
        to.ValidationSet = from.ValidationSet;
        to.WarmupRatio = from.WarmupRatio;
        to.GradientClipNorm = from.ClipNorm > 0 ? from.ClipNorm : null;
        to.WeightDecay = from.WeightDecay;
        if (from.LearningRate is { Count: > 0 } rates)
        {
            to.LearningRate = rates[0];
        }

        if (from.AdamBetas is { Count: 2 } betas)
        {
            to.Optimizer = to.Optimizer with { Beta1 = betas[0], Beta2 = betas[1], Epsilon = from.AdamEps };
        }
    }
}
