using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.Spectral;
using Microsoft.ML.TempBalance.Text;

namespace Microsoft.ML.TempBalance.Tests.Text;

[TestClass]
public sealed class TextClassificationTrainerTests
{
    private sealed class Row
    {
        public string Sentence1 { get; set; } = "";

        public string Label { get; set; } = "";
    }

    private sealed class Prediction
    {
        public float[] Score { get; set; } = Array.Empty<float>();

        public string PredictedLabel { get; set; } = "";
    }

    private static List<Row> Rows(int count, int seed)
    {
        var random = new Random(seed);
        string[] greet = { "hello", "hello hello", "hello world hello", "oh hello" };
        string[] place = { "world", "wow world", "the world", "world or world" };
        return Enumerable.Range(0, count).Select(i => i % 2 == 0
            ? new Row { Sentence1 = greet[random.Next(greet.Length)], Label = "greet" }
            : new Row { Sentence1 = place[random.Next(place.Length)], Label = "place" }).ToList();
    }

    private static TempBalanceOptions TinyBalance() => EncoderTextClassificationTrainer.Defaults.TempBalance() with
    {
        Analyzer = new SpectralAnalyzerOptions { XminPosition = 1.5, MinEigenvalues = 4 },
    };

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void FitEvaluateSaveLoadGivesIdenticalPredictions(bool balance)
    {
        using var folder = new TempFolder();
        string checkpoint = Path.Combine(folder.Path, "checkpoint");
        TinyRobertaFiles.Write(checkpoint, labels: 0);
        var ml = new MLContext(seed: 1);
        IDataView train = ml.Data.LoadFromEnumerable(Rows(24, 1));
        IDataView test = ml.Data.LoadFromEnumerable(Rows(12, 2));

        EncoderTextClassificationTrainer trainer = ml.MulticlassClassification.Trainers.TextClassification(PretrainedEncoder.FromFolder(checkpoint), maxEpochs: 4, batchSize: 4, learningRate: 1e-3);
        if (balance)
        {
            EncoderTextClassificationTrainer balanced = trainer.WithTempBalance(TinyBalance());
            Assert.IsNull(trainer.TrainerOptions.TempBalance, "WithTempBalance must not change the original trainer");
            trainer = balanced;
        }

        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(trainer)
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(train);

        IDataView scored = model.Transform(test);
        MulticlassClassificationMetrics metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.IsTrue(metrics.MacroAccuracy >= 0 && metrics.MacroAccuracy <= 1);
        VBuffer<ReadOnlyMemory<char>> slots = default;
        scored.Schema["Score"].GetSlotNames(ref slots);
        CollectionAssert.AreEqual(new[] { "greet", "place" }, slots.DenseValues().Select(s => s.ToString()).ToArray());

        if (balance)
        {
            Assert.IsNotNull(trainer.LastResult);
            CollectionAssert.AreEqual(new[] { "roberta.encoder.layer.0", "roberta.encoder.layer.1" }, trainer.LastResult.Grouping.Units.Select(u => u.Name).ToArray());
            Assert.IsNotEmpty(trainer.LastResult.BalanceUpdates);
        }

        var engine = ml.Model.CreatePredictionEngine<Row, Prediction>(model);
        Prediction one = engine.Predict(new Row { Sentence1 = "hello world" });
        Assert.AreEqual(2, one.Score.Length);
        Assert.AreEqual(1.0, one.Score.Sum(), 1e-5);
        Assert.AreEqual(one.Score[0] >= one.Score[1] ? "greet" : "place", one.PredictedLabel);

        string path = Path.Combine(folder.Path, "model.zip");
        ml.Model.SaveTorchModel(model, train.Schema, path);
        Assert.ThrowsExactly<InvalidOperationException>(() => ml.Model.Save(model, train.Schema, Path.Combine(folder.Path, "plain.zip")));

        var fresh = new MLContext(seed: 5);
        ITransformer loaded = fresh.Model.LoadTorchModel(path, out DataViewSchema schema);
        Assert.AreEqual(train.Schema.Count, schema.Count);
        float[][] before = Scores(ml, model.Transform(test));
        float[][] after = Scores(fresh, loaded.Transform(fresh.Data.LoadFromEnumerable(Rows(12, 2))));
        Assert.HasCount(12, after);
        for (int i = 0; i < before.Length; i++)
        {
            CollectionAssert.AreEqual(before[i], after[i], $"row {i}");
        }

        var loadedEngine = fresh.Model.CreatePredictionEngine<Row, Prediction>(loaded);
        CollectionAssert.AreEqual(one.Score, loadedEngine.Predict(new Row { Sentence1 = "hello world" }).Score);
    }

    private static float[][] Scores(MLContext ml, IDataView scored) =>
        scored.GetColumn<float[]>("Score").ToArray();

    [TestMethod]
    public void PlainModelLoadPointsToTheTorchLoader()
    {
        using var folder = new TempFolder();
        string checkpoint = Path.Combine(folder.Path, "checkpoint");
        TinyRobertaFiles.Write(checkpoint, labels: 0);
        var ml = new MLContext(seed: 1);
        IDataView train = ml.Data.LoadFromEnumerable(Rows(8, 1));
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.TextClassification(PretrainedEncoder.FromFolder(checkpoint), maxEpochs: 1, batchSize: 4))
            .Fit(train);
        string path = Path.Combine(folder.Path, "model.zip");
        ml.Model.SaveTorchModel(model, train.Schema, path);
        Exception e = Assert.Throws<Exception>(() => ml.Model.Load(path, out _));
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        StringAssert.Contains(e.Message, "LoadTorchModel");
    }

    [TestMethod]
    public void BadInputGetsClearErrors()
    {
        using var folder = new TempFolder();
        string checkpoint = Path.Combine(folder.Path, "checkpoint");
        TinyRobertaFiles.Write(checkpoint, labels: 0);
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(Rows(8, 1));
        EncoderTextClassificationTrainer trainer = ml.MulticlassClassification.Trainers.TextClassification(PretrainedEncoder.FromFolder(checkpoint), maxEpochs: 1);

        var notKey = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(data));
        StringAssert.Contains(notKey.Message, "expected Key");
        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.MulticlassClassification.Trainers.TextClassification(PretrainedEncoder.FromFolder(checkpoint), sentence1ColumnName: "Text").Fit(ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data)));
        StringAssert.Contains(missing.Message, "'Text'");
        IDataView keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        var empty = Assert.ThrowsExactly<ArgumentException>(() => trainer.Fit(ml.Data.SkipRows(keyed, 1000)));
        StringAssert.Contains(empty.Message, "training data is empty");
        var noCheckpoint = Assert.ThrowsExactly<DirectoryNotFoundException>(() =>
            ml.MulticlassClassification.Trainers.TextClassification(PretrainedEncoder.FromFolder(Path.Combine(folder.Path, "none"))).Fit(keyed));
        StringAssert.Contains(noCheckpoint.Message, "none");
    }
}
