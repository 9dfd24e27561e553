using System.Diagnostics;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.Spectral;
using Microsoft.ML.TempBalance.Text;
using Microsoft.ML.TempBalance.Training;

namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>
/// Runs one trial of a text task through the public ML.NET text trainers (AdamW, warmup + linear decay, clipping, best
/// validation epoch kept; TB trials use the trainers' <c>WithTempBalance()</c> defaults with the grid's mapping and
/// unit; LoRA with the grid's rank), then scores the fixed test set: error rate (classification) or RMSE (similarity).
/// </summary>
internal static class TextTrialExecutor
{
    private sealed class ClassRow
    {
        public string Label { get; set; } = "";

        public string Sentence1 { get; set; } = "";

        public string Sentence2 { get; set; } = "";
    }

    private sealed class ScoreRow
    {
        public float Label { get; set; }

        public string Sentence1 { get; set; } = "";

        public string Sentence2 { get; set; } = "";
    }

    public static TrialResult Run(Trial trial, ExperimentSpec spec, TextExperimentData data, ITrainingReporter? reporter)
    {
        var clock = Stopwatch.StartNew();
        TextTaskSpec task = spec.Task.Text!;
        TrialConfiguration c = trial.Configuration;
        int[] indices = TrialRecording.TrainingIndices(spec, trial, data.Pool.Count);
        var ml = new MLContext(seed: trial.Seed);
        var columns = new TextColumns("Label", "Sentence1", task.Sentence2Column is null ? null : "Sentence2", "Score", "PredictedLabel", task.Regression);
        Func<IReadOnlyList<TextRow>, IDataView> view = task.Regression ? rows => ScoreView(ml, rows) : ClassView(ml, data.Labels);
        var analyzer = new SpectralAnalyzer(EncoderTextClassificationTrainer.Defaults.TempBalance().Analyzer);
        SpectralReport before;
        using (TextCheckpoint initial = TextCheckpoint.Load(data.Checkpoint, data.Labels, trial.Seed))
        {
            before = analyzer.Analyze(initial.Model, "initial");
        }

        // The public estimators, as a user would call them, so the harness and the ML.NET trainers cannot drift apart.
        TextTrainerOptions options = task.Regression ? new EncoderSentenceSimilarityTrainer.Options() : new EncoderTextClassificationTrainer.Options();
        options.Checkpoint = data.Checkpoint;
        options.Sentence2ColumnName = columns.Sentence2;
        options.BatchSize = c.BatchSize;
        options.MaxEpochs = spec.Epochs;
        options.LearningRate = c.LearningRate;
        options.WeightDecay = task.WeightDecay;
        options.WarmupRatio = task.WarmupRatio;
        options.MaxSequenceLength = task.MaxSequenceLength;
        options.ValidationSet = view(data.Validation);
        options.Seed = trial.Seed;
        options.NumberOfThreads = task.Threads;
        options.Optimizer = TrialRecording.Optimizer(c.Optimizer, OptimizerKind.AdamW);
        options.GradientClipNorm = 1.0;
        options.TempBalance = c.TempBalance ? TrialRecording.WithCadence(EncoderTextClassificationTrainer.Defaults.TempBalance() with { Mapping = TrialRecording.Mapping(c), Unit = Unit(c, task) }, c) : null;
        options.Lora = c.LoraRank > 0 ? new LoraOptions { Rank = c.LoraRank, Alpha = 2 * c.LoraRank } : null;
        options.Reporter = reporter;
        IDataView train = view(indices.Select(i => data.Pool[i]).ToList());
        TextTransformer model;
        TrainingResult result;
        if (options is EncoderSentenceSimilarityTrainer.Options similarity)
        {
            EncoderSentenceSimilarityTrainer trainer = ml.Regression.Trainers.SentenceSimilarity(similarity);
            model = trainer.Fit(train);
            result = trainer.LastResult!;
        }
        else
        {
            EncoderTextClassificationTrainer trainer = ml.MulticlassClassification.Trainers.TextClassification((EncoderTextClassificationTrainer.Options)options);
            model = trainer.Fit(train);
            result = trainer.LastResult!;
        }

        using (model)
        {
            SpectralReport after = analyzer.Analyze(model.Checkpoint.Model, "trained");
            float[][] scores = model.Predict(data.Test.Select(r => (r.Sentence1, r.Sentence2)).ToList());
            double test = task.Regression ? Rmse(scores, data.Test) : ErrorRate(scores, data.Test, model.Labels);
            return TrialRecording.Result(trial, indices.Length, result, v => Metric(v, task.Regression), task.MetricName, test, before, after, clock.Elapsed);
        }
    }

    // The grid's unit, or the task's when the grid says "task".
    private static BalanceUnit Unit(TrialConfiguration c, TextTaskSpec task) => c.Unit switch
    {
        "block" => BalanceUnit.Block,
        "layer" => BalanceUnit.Layer,
        _ => task.BalanceUnit,
    };

    // The engine validates with accuracy or −MSE (higher is better); reports use error rate or RMSE (lower is better).
    private static double Metric(ValidationResult validation, bool regression) =>
        regression ? Math.Sqrt(-validation.Metric) : 1 - validation.Metric;

    private static double ErrorRate(float[][] scores, IReadOnlyList<TextRow> rows, IReadOnlyList<string> labels)
    {
        int wrong = 0;
        for (int i = 0; i < rows.Count; i++)
        {
            float[] p = scores[i];
            int best = Array.IndexOf(p, p.Max());
            wrong += labels[best] == rows[i].Label ? 0 : 1;
        }

        return wrong / (double)rows.Count;
    }

    private static double Rmse(float[][] scores, IReadOnlyList<TextRow> rows) =>
        Math.Sqrt(rows.Select((r, i) => Math.Pow(scores[i][0] - TextTable.Number(r.Label), 2)).Average());

    // Keys follow the pool's sorted label list, so every subset, the validation set and the head agree on the order.
    private static Func<IReadOnlyList<TextRow>, IDataView> ClassView(MLContext ml, IReadOnlyList<string> labels)
    {
        IDataView labelRows = ml.Data.LoadFromEnumerable(labels.Select(l => new ClassRow { Label = l }).ToList());
        IDataView keys = ml.Transforms.SelectColumns("Label").Fit(labelRows).Transform(labelRows);
        var mapping = ml.Transforms.Conversion.MapValueToKey("Label", keyData: keys).Fit(labelRows);
        return rows => mapping.Transform(ml.Data.LoadFromEnumerable(rows.Select(r => new ClassRow { Label = r.Label, Sentence1 = r.Sentence1, Sentence2 = r.Sentence2 ?? "" }).ToList()));
    }

    private static IDataView ScoreView(MLContext ml, IReadOnlyList<TextRow> rows) =>
        ml.Data.LoadFromEnumerable(rows.Select(r => new ScoreRow { Label = TextTable.Number(r.Label), Sentence1 = r.Sentence1, Sentence2 = r.Sentence2 ?? "" }).ToList());
}
