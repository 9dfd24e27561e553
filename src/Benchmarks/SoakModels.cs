using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.SciML;
using Microsoft.ML.TempBalance.SciML.Generators;
using Microsoft.ML.TempBalance.SciML.MLNet;
using Microsoft.ML.TempBalance.Text;

namespace TempBalance.Benchmarks;

/// <summary>The models the scoring soak runs on: a text classifier from a checkpoint folder and an FNO on Darcy rows.</summary>
internal static class SoakModels
{
    /// <summary>Fits a classifier on <paramref name="checkpoint"/> (one short epoch) and soaks its Score column.</summary>
    public static ScoringSoak.Outcome Text(string name, string checkpoint, int threads, TimeSpan duration, int rows = 16, int torchThreads = 1)
    {
        var ml = new MLContext(seed: 1);
        string[] words = { "the film was great fun", "a terrible boring plot", "i love this movie", "the worst story, very bad", "" };
        List<TextRow> data = Enumerable.Range(0, rows).Select(i => new TextRow { Sentence1 = words[i % words.Length] + (i % 3 == 0 ? " !" : ""), Label = i % 2 == 0 ? "pos" : "neg" }).ToList();
        IDataView view = ml.Data.LoadFromEnumerable(data);
        var options = new EncoderTextClassificationTrainer.Options { Checkpoint = checkpoint, MaxEpochs = 1, BatchSize = 8, MaxSequenceLength = 32, Seed = 1, NumberOfThreads = torchThreads };
        TransformerChain<TextTransformer> model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.TextClassification(options)).Fit(view);
        try
        {
            return ScoringSoak.Run(name, rows,
                () => model.Transform(view).GetColumn<float[]>("Score").ToArray(),
                () =>
                {
                    PredictionEngine<TextRow, TextScore> engine = ml.Model.CreatePredictionEngine<TextRow, TextScore>(model);
                    return i => engine.Predict(data[i]).Score;
                },
                threads, duration);
        }
        finally
        {
            model.LastTransformer.Dispose();
        }
    }

    /// <summary>Fits an FNO2d on Darcy a → u rows (one short epoch) and soaks its Score column.</summary>
    public static ScoringSoak.Outcome Pde(string name, int threads, TimeSpan duration, int rows = 16, int torchThreads = 1)
    {
        var ml = new MLContext(seed: 1);
        PdeDataset darcy = PdeGenerators.Darcy(rows, DarcyRow.Size, seed: 1);
        IDataView view = ml.Data.LoadFromPdeDataset(darcy);
        List<DarcyRow> data = ml.Data.CreateEnumerable<DarcyRow>(view, reuseRowObject: false).ToList();
        var options = new PdeRegressionTrainer.Options
        {
            GridShape = new[] { DarcyRow.Size, DarcyRow.Size }, SingleStep = true, Modes = 6, Width = 12, MaxEpochs = 1, BatchSize = 4, Seed = 1, NumberOfThreads = torchThreads,
        };
        using PdeRegressionTransformer model = ml.Regression.Trainers.FourierNeuralOperator(options).Fit(view);
        return ScoringSoak.Run(name, rows,
            () => model.Transform(view).GetColumn<float[]>("Score").ToArray(),
            () =>
            {
                PredictionEngine<DarcyRow, PdeScore> engine = ml.Model.CreatePredictionEngine<DarcyRow, PdeScore>(model);
                return i => engine.Predict(data[i]).Score;
            },
            threads, duration);
    }

    private sealed class TextRow
    {
        public string Sentence1 { get; set; } = "";

        public string Label { get; set; } = "";
    }

    private sealed class TextScore
    {
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    private sealed class DarcyRow
    {
        public const int Size = 32;

        [VectorType(Size * Size)]
        public float[] Features { get; set; } = Array.Empty<float>();

        [VectorType(Size * Size)]
        public float[] Label { get; set; } = Array.Empty<float>();
    }

    private sealed class PdeScore
    {
        public float[] Score { get; set; } = Array.Empty<float>();
    }
}
