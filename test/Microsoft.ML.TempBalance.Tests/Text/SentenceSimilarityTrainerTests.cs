using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.Spectral;
using Microsoft.ML.TempBalance.Text;

namespace Microsoft.ML.TempBalance.Tests.Text;

[TestClass]
public sealed class SentenceSimilarityTrainerTests
{
    private sealed class Pair
    {
        public string Sentence1 { get; set; } = "";

        public string Sentence2 { get; set; } = "";

        public float Label { get; set; }
    }

    private sealed class Scored
    {
        public float Score { get; set; }
    }

    private static List<Pair> Pairs(int count, int seed)
    {
        var random = new Random(seed);
        string[] words = { "hello", "world", "wow", "the world", "hello world" };
        return Enumerable.Range(0, count).Select(_ =>
        {
            string a = words[random.Next(words.Length)], b = words[random.Next(words.Length)];
            return new Pair { Sentence1 = a, Sentence2 = b, Label = a == b ? 5f : a.Contains(b, StringComparison.Ordinal) || b.Contains(a, StringComparison.Ordinal) ? 3f : 0f };
        }).ToList();
    }

    [TestMethod]
    [DataRow(false, false)]
    [DataRow(true, false)]
    [DataRow(true, true)]
    public void FitEvaluateSaveLoadGivesIdenticalScores(bool balance, bool lora)
    {
        using var folder = new TempFolder();
        string checkpoint = Path.Combine(folder.Path, "checkpoint");
        TinyRobertaFiles.Write(checkpoint, labels: 0);
        var ml = new MLContext(seed: 2);
        IDataView train = ml.Data.LoadFromEnumerable(Pairs(24, 1));
        IDataView test = ml.Data.LoadFromEnumerable(Pairs(10, 2));
        EncoderSentenceSimilarityTrainer trainer = ml.Regression.Trainers.SentenceSimilarity(new EncoderSentenceSimilarityTrainer.Options
        {
            Checkpoint = checkpoint, MaxEpochs = 3, BatchSize = 4, LearningRate = 1e-3, Lora = lora ? new LoraOptions { Rank = 2 } : null,
        });
        if (balance)
        {
            trainer = trainer.WithTempBalance(EncoderSentenceSimilarityTrainer.Defaults.TempBalance() with { Analyzer = new SpectralAnalyzerOptions { XminPosition = 1.5, MinEigenvalues = 4 } });
        }

        TextTransformer model = trainer.Fit(train);
        Assert.AreEqual(balance ? 2 : 0, trainer.LastResult!.Grouping.Units.Count);
        RegressionMetrics metrics = ml.Regression.Evaluate(model.Transform(test));
        Assert.IsTrue(double.IsFinite(metrics.RootMeanSquaredError));

        string path = Path.Combine(folder.Path, "similarity.zip");
        ml.Model.SaveTorchModel(model, train.Schema, path);
        ITransformer loaded = new MLContext(seed: 9).Model.LoadTorchModel(path, out _);
        float[] before = model.Transform(test).GetColumn<float>("Score").ToArray();
        float[] after = loaded.Transform(test).GetColumn<float>("Score").ToArray();
        CollectionAssert.AreEqual(before, after);
        var engine = ml.Model.CreatePredictionEngine<Pair, Scored>(loaded);
        // One row alone is not padded to the batch's length, so the matrix products differ in shape: equal to rounding.
        Assert.AreEqual(before[0], engine.Predict(Pairs(10, 2)[0]).Score, 1e-6);
    }

    [TestMethod]
    public void KeyLabelsAreRejectedForSimilarity()
    {
        using var folder = new TempFolder();
        string checkpoint = Path.Combine(folder.Path, "checkpoint");
        TinyRobertaFiles.Write(checkpoint, labels: 0);
        var ml = new MLContext(seed: 2);
        IDataView data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(Pairs(8, 1))).Transform(ml.Data.LoadFromEnumerable(Pairs(8, 1)));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.SentenceSimilarity(PretrainedEncoder.FromFolder(checkpoint), maxEpochs: 1).Fit(data));
        StringAssert.Contains(e.Message, "expected Single");
    }
}
