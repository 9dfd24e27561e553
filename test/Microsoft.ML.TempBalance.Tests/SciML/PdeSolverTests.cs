using Microsoft.ML.TempBalance.SciML;
using Microsoft.ML.TempBalance.SciML.Generators;
using Microsoft.ML.TempBalance.SciML.Models;
using Microsoft.ML.TempBalance.SciML.Training;
using Microsoft.ML.TempBalance.Training;

namespace Microsoft.ML.TempBalance.Tests.SciML;

[TestClass]
public sealed class PdeSolverTests
{
    private static PdeTrainingOptions Darcy(bool balance) => new()
    {
        Model = new FnoOptions { Modes = 6, Width = 12, InitialStep = 1, Channels = 1 },
        SingleStep = true,
        Epochs = 12,
        BatchSize = 10,
        LearningRate = 5e-3,
        Seed = 3,
        Threads = AssemblySetup.TorchThreads,
        TempBalance = balance ? PdeTrainingOptions.DefaultTempBalance(1.0) with { Analyzer = PdeTrainingOptions.DefaultTempBalance().Analyzer with { MinEigenvalues = 6 } } : null,
    };

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void DarcyTrainingLowersTheErrorAndSavedWeightsPredictIdentically(bool balance)
    {
        PdeDataset train = PdeGenerators.Darcy(samples: 40, resolution: 16, seed: 1);
        PdeDataset test = PdeGenerators.Darcy(samples: 20, resolution: 16, seed: 2);
        using PdeSolver solver = PdeSolver.Train(train, test, Darcy(balance));
        double first = solver.Result!.Epochs[0].Validation!.Metric;
        PdeMetrics metrics = solver.Evaluate(test);
        Assert.IsLessThan(first, metrics.NormalizedRmse, $"nRMSE {first:G4} after epoch 1, {metrics.NormalizedRmse:G4} at the end");
        Assert.AreEqual(solver.Result.BestValidation!.Metric, metrics.NormalizedRmse, 1e-6, "the best epoch's weights are kept");
        PdeMetrics paperStyle = solver.Evaluate(test, includeContextFrames: true);
        Assert.AreEqual(metrics.NormalizedRmse / 2, paperStyle.NormalizedRmse, 1e-9, "with the error-free a-frame counted, Darcy's value halves");
        if (balance)
        {
            Assert.AreEqual(12, solver.Result.BalanceUpdates.Count, "every epoch");
            Assert.IsTrue(solver.Result.Grouping.Units.Select(u => u.Name).SequenceEqual(new[] { "fc0", "w0", "w1", "w2", "w3", "fc1", "fc2" }));
        }

        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "fno.safetensors");
        solver.Save(path);
        using PdeSolver loaded = PdeSolver.Load(path, train, Darcy(balance));
        CollectionAssert.AreEqual(solver.Predict(test), loaded.Predict(test));
    }

    [TestMethod]
    public void PointwiseNormalisationTrainsAndItsStatisticsTravelWithTheWeights()
    {
        PdeDataset train = PdeGenerators.Darcy(samples: 40, resolution: 16, seed: 1);
        PdeDataset test = PdeGenerators.Darcy(samples: 20, resolution: 16, seed: 2);
        using PdeSolver solver = PdeSolver.Train(train, test, Darcy(false) with { Epochs = 6, Normalization = PdeNormalization.PointwiseGaussian });
        Assert.IsLessThan(solver.Result!.Epochs[0].TrainLoss, solver.Result.Epochs[^1].TrainLoss);

        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "fno.safetensors");
        solver.Save(path);
        using (var reader = Microsoft.ML.TempBalance.Checkpoints.SafetensorsReader.Open(path))
        {
            Assert.IsTrue(reader.Contains("normalizer.output_std"), "the statistics are saved next to the weights");
        }

        // The file decides, not the options: statistics belong to the weights they were trained with.
        using PdeSolver loaded = PdeSolver.Load(path, train, Darcy(false));
        CollectionAssert.AreEqual(solver.Predict(test), loaded.Predict(test));

        string weightsOnly = Path.Combine(folder.Path, "weights-only.safetensors");
        Microsoft.ML.TempBalance.Checkpoints.ModuleCheckpoint.Save(solver.Model, weightsOnly);
        using PdeSolver raw = PdeSolver.Load(weightsOnly, train, Darcy(false));
        CollectionAssert.AreNotEqual(solver.Predict(test), raw.Predict(test), "without the statistics the same weights predict something else");
    }

    [TestMethod]
    [DataRow(PdeNormalization.None)]
    [DataRow(PdeNormalization.PointwiseGaussian)]
    public void AutoregressiveBurgersTrainingReducesTheRolloutError(PdeNormalization normalization)
    {
        PdeDataset train = PdeGenerators.Burgers(samples: 24, resolution: 32, nu: 0.01, frames: 12, endTime: 0.22, seed: 3);
        PdeDataset test = PdeGenerators.Burgers(samples: 8, resolution: 32, nu: 0.01, frames: 12, endTime: 0.22, seed: 4);
        var options = new PdeTrainingOptions
        {
            Model = new FnoOptions { Modes = 8, Width = 12, InitialStep = 4, Channels = 1 },
            Epochs = 8, BatchSize = 8, LearningRate = 3e-3, Seed = 2, Threads = AssemblySetup.TorchThreads, Normalization = normalization,
        };
        using PdeSolver solver = PdeSolver.Train(train, test, options);
        Assert.IsLessThan(solver.Result!.Epochs[0].TrainLoss, solver.Result.Epochs[^1].TrainLoss);
        float[] predicted = solver.Predict(test);
        CollectionAssert.AreEqual(test.Data.Take(4 * 32).ToArray(), predicted.Take(4 * 32).ToArray(), "context frames are the data's");
        Assert.AreEqual(8, solver.Evaluate(test).Frames, "12 frames minus 4 context frames");
    }

    [TestMethod]
    public void UNetTrainsInEveryRolloutModeWithTempBalanceAndTheModesDiffer()
    {
        PdeDataset train = PdeGenerators.Burgers(samples: 16, resolution: 32, nu: 0.01, frames: 8, endTime: 0.14, seed: 3);
        (float[] Weights, TrainingResult Result) Train(RolloutMode mode, int unrollSteps)
        {
            var options = new PdeTrainingOptions
            {
                ModelKind = PdeModelKind.UNet,
                UNetFeatures = 16,
                Model = new FnoOptions { InitialStep = 3, Channels = 1 },
                Rollout = mode,
                UnrollSteps = unrollSteps,
                Epochs = 6, BatchSize = 8, LearningRate = 3e-3, Seed = 2, Threads = AssemblySetup.TorchThreads,
                TempBalance = PdeTrainingOptions.DefaultTempBalance(0.5) with { Analyzer = PdeTrainingOptions.DefaultTempBalance().Analyzer with { MinEigenvalues = 4 } },
            };
            using PdeSolver solver = PdeSolver.Train(train, null, options);
            Assert.IsLessThan(solver.Result!.Epochs[0].TrainLoss, solver.Result.Epochs[^1].TrainLoss, $"{mode} learns");
            Assert.IsTrue(solver.Result.Grouping.Units.Any(u => u.Name == "upconv1"));
            Assert.AreEqual("encoder1.enc1conv2", solver.Result.Grouping.UnitOf("encoder1.enc1norm2.bias"), "the second norm follows the second conv");
            return (solver.Model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray(), solver.Result);
        }

        // 8 frames after 3 context frames leave 5 predicted ones.
        var full = Train(RolloutMode.FullRollout, unrollSteps: 2);
        var pushforwardAll = Train(RolloutMode.Pushforward, unrollSteps: 5);
        var pushforward = Train(RolloutMode.Pushforward, unrollSteps: 2);
        var teacher = Train(RolloutMode.TeacherForcing, unrollSteps: 2);

        // Pushforward through every predicted frame is the full rollout; with 2 it scores (and back-propagates) 2 of 5
        // frames, so its first loss is smaller; teacher forcing feeds true frames, so its loss is another sum again.
        CollectionAssert.AreEqual(full.Weights, pushforwardAll.Weights, "pushforward over all 5 frames = full rollout");
        Assert.IsLessThan(full.Result.Epochs[0].TrainLoss, pushforward.Result.Epochs[0].TrainLoss, "pushforward(2) sums fewer frames");
        Assert.IsGreaterThan(1e-6, Math.Abs(teacher.Result.Epochs[0].TrainLoss - full.Result.Epochs[0].TrainLoss), "teacher forcing differs from the rollout");
        CollectionAssert.AreNotEqual(full.Weights, teacher.Weights);
        CollectionAssert.AreNotEqual(full.Weights, pushforward.Weights);
    }

    [TestMethod]
    public void UNetRejectsGridsNotDivisibleBy16()
    {
        PdeDataset train = PdeGenerators.Darcy(samples: 4, resolution: 20, seed: 1);
        var e = Assert.ThrowsExactly<ArgumentException>(() => PdeSolver.Train(train, null, Darcy(false) with { ModelKind = PdeModelKind.UNet }));
        StringAssert.Contains(e.Message, "divisible by 16");
    }

    [TestMethod]
    public void BadDataIsNamed()
    {
        PdeDataset train = PdeGenerators.Darcy(samples: 4, resolution: 8, seed: 1);
        var e = Assert.ThrowsExactly<ArgumentException>(() => PdeSolver.Train(train, null, Darcy(false) with { Model = new FnoOptions { InitialStep = 1, Channels = 3 } }));
        StringAssert.Contains(e.Message, "1 channel(s); the model was configured for 3");
        train.Data[5] = float.NaN;
        var nan = Assert.ThrowsExactly<ArgumentException>(() => PdeSolver.Train(train, null, Darcy(false)));
        StringAssert.Contains(nan.Message, "NaN or infinite value in sample 0");
    }
}
