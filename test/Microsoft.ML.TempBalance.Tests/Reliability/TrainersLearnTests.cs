using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.SciML;
using Microsoft.ML.TempBalance.SciML.Generators;
using Microsoft.ML.TempBalance.SciML.MLNet;
using Microsoft.ML.TempBalance.SciML.Training;
using Microsoft.ML.TempBalance.Tests.Text;
using Microsoft.ML.TempBalance.Text;

namespace Microsoft.ML.TempBalance.Tests.Reliability;

/// <summary>
/// Each ML.NET trainer, on a small task it can learn, ends better than the trivial predictor on held-out rows: the text
/// classifier above the majority class, the similarity regressor and the PDE trainers below the error of predicting
/// the training mean. Tiny random-initialised models, fixed seeds.
/// </summary>
[TestClass]
public sealed class TrainersLearnTests
{
    private static readonly string[] Positive = { "good", "great", "fun", "best" };
    private static readonly string[] Negative = { "bad", "terrible", "boring", "worst" };
    private static readonly string[] Nouns = { "movie", "film", "story", "plot" };

    internal sealed class Review
    {
        public string Sentence1 { get; set; } = "";

        public string Sentence2 { get; set; } = "";

        public string Label { get; set; } = "";

        public float Score { get; set; }
    }

    // "the film was great", "a plot is very boring", ...: the sentiment word decides the label.
    internal static List<Review> Reviews(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            bool positive = i % 2 == 0;
            string[] words = positive ? Positive : Negative;
            string sentence = $"{(random.Next(2) == 0 ? "the" : "a")} {Nouns[random.Next(Nouns.Length)]} {(random.Next(2) == 0 ? "was" : "is very")} {words[random.Next(words.Length)]}";
            return new Review { Sentence1 = sentence, Sentence2 = "it", Label = positive ? "pos" : "neg", Score = positive ? 1f : 0f };
        }).ToList();
    }

    private static string Checkpoint(TempFolder folder) => TinyBertFiles.Write(folder.File("ckpt"), new TinyBertVariant { Labels = 0 });

    [TestMethod]
    public void TheTextClassifierBeatsTheMajorityClass()
    {
        using var folder = new TempFolder();
        var ml = new MLContext(seed: 1);
        IDataView train = ml.Data.LoadFromEnumerable(Reviews(64, 1));
        IDataView test = ml.Data.LoadFromEnumerable(Reviews(40, 2));
        var options = new EncoderTextClassificationTrainer.Options
        {
            Checkpoint = Checkpoint(folder), MaxEpochs = 40, BatchSize = 8, LearningRate = 5e-3, WeightDecay = 0, Seed = 1, NumberOfThreads = AssemblySetup.TorchThreads,
        };
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.TextClassification(options)).Fit(train);
        MulticlassClassificationMetrics metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        model.LastTransformer.Dispose();
        Console.WriteLine($"text classification: test accuracy {metrics.MicroAccuracy}");
        // Half the test rows are of each class, so the majority class scores 0.5.
        Assert.IsGreaterThanOrEqualTo(0.85, metrics.MicroAccuracy, $"accuracy {metrics.MicroAccuracy}");
    }

    [TestMethod]
    public void TheSimilarityRegressorBeatsTheMeanPredictor()
    {
        using var folder = new TempFolder();
        var ml = new MLContext(seed: 1);
        IDataView train = ml.Data.LoadFromEnumerable(Reviews(64, 1));
        IDataView test = ml.Data.LoadFromEnumerable(Reviews(40, 2));
        var options = new EncoderSentenceSimilarityTrainer.Options
        {
            Checkpoint = Checkpoint(folder), LabelColumnName = "Score", ScoreColumnName = "Predicted", MaxEpochs = 40, BatchSize = 8, LearningRate = 5e-3, WeightDecay = 0, Seed = 1,
            NumberOfThreads = AssemblySetup.TorchThreads,
        };
        TextTransformer model = ml.Regression.Trainers.SentenceSimilarity(options).Fit(train);
        RegressionMetrics metrics = ml.Regression.Evaluate(model.Transform(test), labelColumnName: "Score", scoreColumnName: "Predicted");
        model.Dispose();
        Console.WriteLine($"similarity: test RMSE {metrics.RootMeanSquaredError}");
        // Labels are 0 and 1 in equal numbers: predicting the training mean 0.5 gives RMSE 0.5.
        Assert.IsLessThan(0.3, metrics.RootMeanSquaredError, $"RMSE {metrics.RootMeanSquaredError}");
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void ThePdeTrainersBeatTheMeanField(bool unet)
    {
        var ml = new MLContext(seed: 1);
        PdeDataset trainData = PdeGenerators.Darcy(48, 16, seed: 1);
        PdeDataset testData = PdeGenerators.Darcy(16, 16, seed: 2);
        IDataView train = ml.Data.LoadFromPdeDataset(trainData);
        IDataView test = ml.Data.LoadFromPdeDataset(testData);
        var options = new PdeRegressionTrainer.Options
        {
            GridShape = new[] { 16, 16 }, SingleStep = true, Normalization = PdeNormalization.PointwiseGaussian, Modes = 6, Width = 16, UNetFeatures = 16, MaxEpochs = 30, BatchSize = 8, LearningRate = 3e-3, Seed = 1,
            StepSizeEpochs = 10, NumberOfThreads = AssemblySetup.TorchThreads,
        };
        using PdeRegressionTransformer model = unet ? ml.Regression.Trainers.UNet(options).Fit(train) : ml.Regression.Trainers.FourierNeuralOperator(options).Fit(train);
        double trained = ml.Regression.EvaluatePde(model.Transform(test), new[] { 16, 16 }).Rmse;

        // The mean predictor: the training set's mean u(x), pointwise, for every test sample.
        float[] meanField = new float[256];
        for (int s = 0; s < trainData.Samples; s++)
        {
            ReadOnlySpan<float> u = trainData.Sample(s)[256..];
            for (int p = 0; p < 256; p++)
            {
                meanField[p] += u[p] / trainData.Samples;
            }
        }

        double meanRmse = Enumerable.Range(0, testData.Samples).Average(s =>
        {
            ReadOnlySpan<float> u = testData.Sample(s)[256..];
            double sum = 0;
            for (int p = 0; p < 256; p++)
            {
                sum += Math.Pow(u[p] - meanField[p], 2);
            }

            return Math.Sqrt(sum / 256);
        });
        Console.WriteLine($"{(unet ? "UNet" : "FNO")}: test RMSE {trained}, mean field {meanRmse}");
        Assert.IsLessThan(0.7 * meanRmse, trained, $"{(unet ? "UNet" : "FNO")} RMSE {trained:G4} against the mean field's {meanRmse:G4}");
    }
}
