using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.SciML;
using Microsoft.ML.TempBalance.SciML.Generators;
using Microsoft.ML.TempBalance.SciML.MLNet;
using Microsoft.ML.TempBalance.SciML.Training;
using Microsoft.ML.TempBalance.Tests.SciML;
using Microsoft.ML.TempBalance.Tests.Text;
using Microsoft.ML.TempBalance.Text;

namespace Microsoft.ML.TempBalance.Tests.Compatibility;

/// <summary>
/// Models saved by an earlier version must keep loading and predicting as they did. Data/saved-models holds model zips
/// written on 2026-12-03, before the split into one package per area, with the scores the saving process computed
/// for a few rows; these tests load them with today's code and require the same scores. The files were written by
/// this class: <c>TEMPBALANCE_WRITE_SAVED_MODELS=test/Microsoft.ML.TempBalance.Tests/Data/saved-models dotnet test
/// --filter SavedModelCompatibilityTests</c> (do that again only for a deliberate format change, with a new file name,
/// keeping the old files).
/// </summary>
[TestClass]
public sealed class SavedModelCompatibilityTests
{
    internal const string TextModel = "text-bert-classifier-2026-12-03";
    internal const string PdeModel = "fno-darcy-pointwise-2026-12-03";
    private const int N = DarcyRow.N;

    internal static readonly string[] Sentences = { "a good film", "the worst movie", "i love this story", "boring plot", "the cat sat on the mat", "" };

    private static string? WriteFolder => Environment.GetEnvironmentVariable("TEMPBALANCE_WRITE_SAVED_MODELS");

    internal static string Stored(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "saved-models", name);

    [TestMethod]
    public void TextClassifierSavedBeforeTheSplitPredictsAsItDid()
    {
        var ml = new MLContext(seed: 1);
        if (WriteFolder is { } target)
        {
            using var folder = new TempFolder();
            string checkpoint = TinyBertFiles.Write(folder.File("bert"), new TinyBertVariant { Labels = 0 });
            var rows = Enumerable.Range(0, 16).Select(i => new TextRow { Sentence1 = Sentences[i % 4], Label = i % 4 < 2 ? "pos" : "neg" }).ToList();
            IDataView train = ml.Data.LoadFromEnumerable(rows);
            var model = ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.MulticlassClassification.Trainers.TextClassification(PretrainedEncoder.FromFolder(checkpoint), maxEpochs: 2, batchSize: 4))
                .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"))
                .Fit(train);
            Write(target, TextModel, ml, model, train.Schema, TextScores(ml, model));
        }

        ITransformer loaded = ml.Model.LoadTorchModel(Stored(TextModel + ".zip"), out _);
        AssertSameScores(Expected(TextModel), TextScores(ml, loaded));
    }

    [TestMethod]
    public void FourierNeuralOperatorSavedBeforeTheSplitPredictsAsItDid()
    {
        var ml = new MLContext(seed: 1);
        if (WriteFolder is { } target)
        {
            IDataView train = ml.Data.LoadFromEnumerable(DarcyRow.Generate(16, seed: 1));
            var options = new PdeRegressionTrainer.Options
            {
                GridShape = new[] { N, N }, Modes = 4, Width = 8, MaxEpochs = 2, BatchSize = 8, LearningRate = 5e-3, Seed = 3,
                NumberOfThreads = AssemblySetup.TorchThreads, Normalization = PdeNormalization.PointwiseGaussian,
            };
            PdeRegressionTransformer model = ml.Regression.Trainers.FourierNeuralOperator(options).WithTempBalance().Fit(train);
            Write(target, PdeModel, ml, model, train.Schema, PdeScores(ml, model));
        }

        ITransformer loaded = ml.Model.LoadTorchModel(Stored(PdeModel + ".zip"), out _);
        AssertSameScores(Expected(PdeModel), PdeScores(ml, loaded));
    }

    private static float[][] TextScores(MLContext ml, ITransformer model) =>
        model.Transform(ml.Data.LoadFromEnumerable(Sentences.Select(s => new TextRow { Sentence1 = s, Label = "pos" }))).GetColumn<float[]>("Score").ToArray();

    private static float[][] PdeScores(MLContext ml, ITransformer model) =>
        model.Transform(ml.Data.LoadFromEnumerable(DarcyRow.Generate(3, seed: 9))).GetColumn<float[]>("Score").ToArray();

    private static void Write(string target, string name, MLContext ml, ITransformer model, DataViewSchema schema, float[][] scores)
    {
        Directory.CreateDirectory(target);
        ml.Model.SaveTorchModel(model, schema, Path.Combine(target, name + ".zip"));
        File.WriteAllText(Path.Combine(target, name + ".expected.json"), JsonSerializer.Serialize(scores));
    }

    internal static float[][] Expected(string name) =>
        JsonSerializer.Deserialize<float[][]>(File.ReadAllText(Stored(name + ".expected.json")))!;

    // Torch's CPU kernels may sum in another order on another thread count; 1e-5 relative is far below any change a
    // format or architecture mistake would cause.
    internal static void AssertSameScores(float[][] expected, float[][] actual)
    {
        Assert.HasCount(expected.Length, actual);
        for (int row = 0; row < expected.Length; row++)
        {
            Assert.HasCount(expected[row].Length, actual[row], $"row {row}");
            for (int i = 0; i < expected[row].Length; i++)
            {
                Assert.AreEqual(expected[row][i], actual[row][i], 1e-5 * Math.Max(1, Math.Abs(expected[row][i])), $"row {row}, score {i}");
            }
        }
    }

    private sealed class TextRow
    {
        public string Sentence1 { get; set; } = "";

        public string Label { get; set; } = "";
    }
}
