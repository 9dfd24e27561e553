using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.SciML;
using Microsoft.ML.TempBalance.SciML.Generators;
using Microsoft.ML.TempBalance.SciML.MLNet;
using Microsoft.ML.TempBalance.SciML.Training;

namespace Microsoft.ML.TempBalance.Tests.SciML;

[TestClass]
public sealed class PdeRegressionTrainerTests
{
    private const int N = 16;

    private sealed class Row
    {
        [VectorType(N * N)]
        public float[] Features { get; set; } = Array.Empty<float>();

        [VectorType(N * N)]
        public float[] Label { get; set; } = Array.Empty<float>();
    }

    private sealed class Prediction
    {
        [VectorType(N * N)]
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    private static List<Row> Rows(int samples, int seed)
    {
        PdeDataset data = PdeGenerators.Darcy(samples, N, seed: seed);
        return Enumerable.Range(0, samples).Select(s => new Row
        {
            Features = data.Sample(s)[..(N * N)].ToArray(),
            Label = data.Sample(s)[(N * N)..].ToArray(),
        }).ToList();
    }

    [TestMethod]
    [DataRow(PdeModelKind.Fno, false, PdeNormalization.None)]
    [DataRow(PdeModelKind.Fno, true, PdeNormalization.None)]
    [DataRow(PdeModelKind.Fno, false, PdeNormalization.PointwiseGaussian)]
    [DataRow(PdeModelKind.UNet, false, PdeNormalization.None)]
    [DataRow(PdeModelKind.UNet, true, PdeNormalization.None)]
    public void FitEvaluateSaveLoadGivesIdenticalPredictions(PdeModelKind kind, bool balance, PdeNormalization normalization)
    {
        var ml = new MLContext(seed: 1);
        IDataView train = ml.Data.LoadFromEnumerable(Rows(24, 1));
        IDataView test = ml.Data.LoadFromEnumerable(Rows(8, 2));
        var options = new PdeRegressionTrainer.Options
        {
            GridShape = new[] { N, N }, Modes = 4, Width = 8, UNetFeatures = 16, MaxEpochs = 4, BatchSize = 8, LearningRate = kind == PdeModelKind.Fno ? 5e-3 : 1e-3, Seed = 3,
            NumberOfThreads = AssemblySetup.TorchThreads, ValidationSet = test, Normalization = normalization,
        };
        PdeRegressionTrainer trainer = kind == PdeModelKind.Fno ? ml.Regression.Trainers.FourierNeuralOperator(options) : ml.Regression.Trainers.UNet(options);
        if (balance)
        {
            trainer = trainer.WithTempBalance(PdeRegressionTrainer.Defaults.TempBalance() with { Analyzer = PdeRegressionTrainer.Defaults.TempBalance().Analyzer with { MinEigenvalues = 4 } });
        }

        PdeRegressionTransformer model = trainer.Fit(train);
        Assert.AreEqual(balance ? 4 : 0, trainer.LastResult!.BalanceUpdates.Count);
        IDataView scored = model.Transform(test);
        PdeEvaluation metrics = ml.Regression.EvaluatePde(scored, new[] { N, N });
        Assert.IsTrue(double.IsFinite(metrics.NormalizedRmse) && metrics.NormalizedRmse > 0);
        Assert.AreEqual(trainer.LastResult.BestValidation!.Metric, metrics.NormalizedRmse, 1e-5, "the evaluator agrees with the trainer's validation nRMSE");

        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "pde.zip");
        ml.Model.SaveTorchModel(model, train.Schema, path);
        ITransformer loaded = new MLContext(seed: 2).Model.LoadTorchModel(path, out _);
        float[][] before = scored.GetColumn<float[]>("Score").ToArray();
        float[][] after = loaded.Transform(test).GetColumn<float[]>("Score").ToArray();
        for (int i = 0; i < before.Length; i++)
        {
            CollectionAssert.AreEqual(before[i], after[i]);
        }

        // One row at a time (prediction engines) may differ from batched scoring in the last bit (other GEMM
        // kernels), so the engines of the original and the loaded model are compared with each other.
        Row row = Rows(8, 2)[0];
        float[] single = ml.Model.CreatePredictionEngine<Row, Prediction>(model).Predict(row).Score;
        CollectionAssert.AreEqual(single, ml.Model.CreatePredictionEngine<Row, Prediction>(loaded).Predict(row).Score);
        Assert.IsLessThan(1e-5, single.Zip(before[0]).Max(p => Math.Abs(p.First - p.Second)));
    }

    [TestMethod]
    public void PositionalColumnsAreLabelFirstAsInMlNetsRegressionTrainers()
    {
        var ml = new MLContext(seed: 1);
        // ML.NET's regression trainers take (labelColumnName, featureColumnName, ...): ml.Regression.Trainers.Sdca("Target", "Input").
        foreach (PdeRegressionTrainer trainer in new[] { ml.Regression.Trainers.FourierNeuralOperator(new[] { 16, 16 }, "Target", "Input"), ml.Regression.Trainers.UNet(new[] { 16, 16 }, "Target", "Input") })
        {
            Assert.AreEqual(("Target", "Input"), (trainer.TrainerOptions.LabelColumnName, trainer.TrainerOptions.FeatureColumnName));
        }
    }

    [TestMethod]
    public void BadShapesAreNamed()
    {
        var ml = new MLContext(seed: 1);
        IDataView train = ml.Data.LoadFromEnumerable(Rows(4, 1));
        var wrong = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.FourierNeuralOperator(new[] { 8, 8 }, maxEpochs: 1).Fit(train));
        StringAssert.Contains(wrong.Message, "expected a vector of 64 Single values");
        var unet = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.UNet(new[] { 20, 20 }, maxEpochs: 1));
        StringAssert.Contains(unet.Message, "divisible by 16");
    }
}
