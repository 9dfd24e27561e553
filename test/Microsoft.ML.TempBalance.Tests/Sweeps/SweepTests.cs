using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.Sweeps;
using Microsoft.ML.TempBalance.Tests.Text;
using Microsoft.ML.TempBalance.Text;

namespace Microsoft.ML.TempBalance.Tests.Sweeps;

[TestClass]
public sealed class SweepTests
{
    private sealed class Row
    {
        public string Label { get; set; } = "";

        public string Sentence1 { get; set; } = "";
    }

    // The label is the topic of the sentence: animals or films, eight phrasings each.
    private static List<Row> Rows()
    {
        string[] animals = { "the cat sat", "a dog played", "the cat played", "a dog sat", "the dog sat on the mat", "a cat on the mat", "the cat and the dog", "a dog and a cat" };
        string[] films = { "a good movie", "the film was bad", "a bad film", "the movie was good", "a great movie", "the film was terrible", "a terrible movie", "the great film" };
        return Enumerable.Range(0, 48).Select(i => i % 2 == 0
            ? new Row { Label = "animal", Sentence1 = animals[(i / 2) % animals.Length] }
            : new Row { Label = "film", Sentence1 = films[(i / 2) % films.Length] }).ToList();
    }

    [TestMethod]
    public void AGridFindsTheOnlyLearningRateThatLearnsAndItsModelSavesAndLoads()
    {
        using var folder = new TempFolder();
        string checkpoint = TinyBertFiles.Write(folder.File("ckpt"), new TinyBertVariant { Labels = 0 });
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(Rows());
        var logged = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Message.Contains("Sweep", StringComparison.Ordinal))
            {
                logged.Add(e.Message);
            }
        };

        // 1e-9 cannot move the weights within 60 steps; 3e-3 can. The answer is known in advance.
        var space = new SweepSpace { LearningRates = new[] { 1e-9, 3e-3 }, BatchSizes = new[] { 32 }, TempBalance = new[] { false } };
        SweepResult result = ml.Sweep(data, trial => ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.TextClassification(
            new EncoderTextClassificationTrainer.Options { Checkpoint = checkpoint, LearningRate = trial.LearningRate, BatchSize = trial.BatchSize, MaxEpochs = 60, Seed = 2, Lora = trial.Lora, TempBalance = trial.Balance(EncoderTextClassificationTrainer.Defaults.TempBalance()) })),
            SweepMetric.MicroAccuracy(ml), space, new SweepOptions { ValidationFraction = 0.25, Seed = 3 });

        Assert.HasCount(2, result.Leaderboard);
        Assert.AreEqual(3e-3, result.Best.Trial.LearningRate, "the learning rate that can learn wins");
        Assert.IsGreaterThanOrEqualTo(0.9, result.Best.Score, $"held-out accuracy of the best trial ({result.Best.Score:F2})");
        Assert.IsLessThan(result.Best.Score, result.Leaderboard[1].Score);
        Assert.IsTrue(logged.Any(m => m.Contains("Sweep trial 2/2", StringComparison.Ordinal)), "progress goes to ML.NET's log");

        string zip = folder.File("best.zip");
        ml.Model.SaveTorchModel(result.Model, data.Schema, zip);
        ITransformer loaded = new MLContext(seed: 5).Model.LoadTorchModel(zip, out _);
        float[][] before = result.Model.Transform(data).GetColumn<float[]>("Score").ToArray();
        float[][] after = loaded.Transform(data).GetColumn<float[]>("Score").ToArray();
        Assert.IsTrue(before.Zip(after).All(p => p.First.SequenceEqual(p.Second)), "the saved best model scores identically");
    }

    [TestMethod]
    public void RandomSearchSamplesTheSpaceWithoutRepeatsAndBudgetsAreChecked()
    {
        var space = new SweepSpace { LearningRates = new[] { 1e-5, 2e-5, 3e-5 }, TempBalance = new[] { false, true }, SigmoidScales = new[] { (2.0, 1.0), (1.5, 1.5) } };
        Assert.HasCount(9, space.Enumerate(), "3 rates x (no TB + 2 TB scale pairs)");
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(Rows());
        var seen = new List<SweepTrial>();
        SweepResult result = ml.Sweep(data, trial =>
        {
            seen.Add(trial);
            return ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.CopyColumns("Score", "Label"));
        }, new SweepMetric("constant", _ => seen.Count, HigherIsBetter: true), space, new SweepOptions { Strategy = SweepStrategy.Random, MaxTrials = 4, Seed = 7, RefitBest = false });
        Assert.HasCount(4, result.Leaderboard);
        Assert.HasCount(4, seen.Distinct().ToList(), "no configuration twice");
        Assert.AreEqual(4.0, result.Best.Score, "the metric's largest value ranks first");
        Assert.ThrowsExactly<ArgumentException>(() => ml.Sweep(data, _ => ml.Transforms.CopyColumns("Score", "Label"), SweepMetric.MicroAccuracy(ml), space, new SweepOptions { Strategy = SweepStrategy.Random }));
        Assert.ThrowsExactly<ArgumentException>(() => new SweepSpace { LearningRates = Array.Empty<double>() }.Enumerate());
    }
}
