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

    [TestMethod]
    public void TrajectoryRowsAreRolledOutOnTheDataGridAndSaveWithIt()
    {
        // 1D compressible flow on [-1, 1] (density, pressure, velocity): 2 input frames, 4 predicted ones per row.
        PdeDataset train = PdeGenerators.CompressibleFlow1D(12, 32, frames: 6, seed: 1);
        PdeDataset test = PdeGenerators.CompressibleFlow1D(5, 32, frames: 6, seed: 2);
        var ml = new MLContext(seed: 1);
        IDataView rows = ml.Data.LoadFromPdeDataset(train, initialStep: 2);
        IDataView testRows = ml.Data.LoadFromPdeDataset(test, initialStep: 2);
        const int Frame = 32 * 3;
        Assert.AreEqual(2 * Frame, ((VectorDataViewType)rows.Schema["Features"].Type).Size);
        Assert.AreEqual(4 * Frame, ((VectorDataViewType)rows.Schema["Label"].Type).Size);
        var options = new PdeRegressionTrainer.Options
        {
            GridShape = new[] { 32 }, Channels = 3, InitialStep = 2, PredictedFrames = 4, SpatialCoordinates = train.SpatialCoordinates.ToArray(), Modes = 6, Width = 8,
            MaxEpochs = 3, BatchSize = 4, LearningRate = 5e-3, Seed = 3, NumberOfThreads = AssemblySetup.TorchThreads,
        };
        PdeRegressionTransformer model = ml.Regression.Trainers.FourierNeuralOperator(options).Fit(rows);
        IDataView scored = model.Transform(testRows);
        float[][] score = scored.GetColumn<float[]>("Score").ToArray();

        // The same network rolled out by the solver on the trajectories themselves: the score is frames 2..5.
        float[] rollout = model.Solver.Predict(test);
        for (int s = 0; s < test.Samples; s++)
        {
            Assert.HasCount(4 * Frame, score[s]);
            float[] expected = rollout.AsSpan(s * test.SampleSize + 2 * Frame, 4 * Frame).ToArray();
            Assert.IsLessThan(1e-5, score[s].Zip(expected).Max(p => Math.Abs(p.First - p.Second)), $"sample {s}");
        }

        PdeEvaluation metrics = ml.Regression.EvaluatePde(scored, new[] { 32 }, channels: 3);
        Assert.AreEqual(model.Solver.Evaluate(test).NormalizedRmse, metrics.NormalizedRmse, 1e-6, "nRMSE over the 4 predicted frames");

        // A model that saw the default [0, 1] grid instead predicts otherwise: the coordinates reach the FNO.
        options.SpatialCoordinates = null;
        using PdeRegressionTransformer unitGrid = ml.Regression.Trainers.FourierNeuralOperator(options).Fit(rows);
        Assert.AreNotEqual(metrics.NormalizedRmse, ml.Regression.EvaluatePde(unitGrid.Transform(testRows), new[] { 32 }, channels: 3).NormalizedRmse);

        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "cfd1d.zip");
        ml.Model.SaveTorchModel(model, rows.Schema, path);
        ITransformer loaded = new MLContext(seed: 2).Model.LoadTorchModel(path, out _);
        float[][] again = loaded.Transform(testRows).GetColumn<float[]>("Score").ToArray();
        for (int s = 0; s < score.Length; s++)
        {
            CollectionAssert.AreEqual(score[s], again[s], $"sample {s} after loading");
        }

        model.Dispose();
    }

    [TestMethod]
    public void SingleStepNormalisesInputAndOutputSeparately()
    {
        // Darcy's a(x) is 0.1 or 1 everywhere while u(x) is around 1e-2: pooled statistics would mix the two fields.
        var ml = new MLContext(seed: 1);
        IDataView train = ml.Data.LoadFromEnumerable(Rows(16, 1));
        PdeRegressionTrainer.Options Options(bool single) => new()
        {
            GridShape = new[] { N, N }, Modes = 4, Width = 8, MaxEpochs = 2, BatchSize = 8, Seed = 3, NumberOfThreads = AssemblySetup.TorchThreads,
            Normalization = PdeNormalization.PointwiseGaussian, SingleStep = single,
        };
        using PdeRegressionTransformer separate = ml.Regression.Trainers.FourierNeuralOperator(Options(true)).Fit(train);
        using PdeRegressionTransformer pooled = ml.Regression.Trainers.FourierNeuralOperator(Options(false)).Fit(train);
        float[] a = separate.Transform(train).GetColumn<float[]>("Score").First();
        float[] b = pooled.Transform(train).GetColumn<float[]>("Score").First();
        Assert.IsGreaterThan(1e-4, a.Zip(b).Max(p => Math.Abs(p.First - p.Second)), "SingleStep changes the normaliser");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.FourierNeuralOperator(new PdeRegressionTrainer.Options { GridShape = new[] { N, N }, InitialStep = 2, SingleStep = true }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.FourierNeuralOperator(new PdeRegressionTrainer.Options { GridShape = new[] { N, N }, SpatialCoordinates = new[] { new float[N] } }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Data.LoadFromPdeDataset(PdeGenerators.Darcy(2, N, seed: 1), initialStep: 2));
    }
}
