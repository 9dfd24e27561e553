using Microsoft.ML.TempBalance.Experiments;
using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.SciML;
using Microsoft.ML.TempBalance.SciML.Models;
using Microsoft.ML.TempBalance.SciML.Training;

namespace Microsoft.ML.TempBalance.Tests.Experiments;

/// <summary>
/// PDE trials go through the public ML.NET estimators; these tests train the same trial the way the harness did before
/// (PdeDataset straight into <see cref="PdeSolver.Train"/>) and require the same curve and test nRMSE, so the two routes
/// cannot drift apart.
/// </summary>
[TestClass]
public sealed class PdeTrialRouteTests
{
    // Darcy: one step between two fields, cell centres of [0, 1].
    private const string Darcy = """
    { "name": "route-darcy",
      "task": { "pde": { "equation": "darcy", "resolution": 16, "poolSamples": 12, "validationSamples": 6, "testSamples": 6,
                         "modes": 4, "width": 8, "stepSizeEpochs": 2, "threads": 2 } },
      "ratios": [1.0], "seeds": [3], "grid": { "learningRate": [0.005], "batchSize": [4], "tempBalance": [true] }, "epochs": 3 }
    """;

    // 1D compressible flow: an autoregressive rollout of 4 frames after 2 input frames, 3 channels, on [-1, 1] (not
    // the rows' default grid).
    private const string Cfd1d = """
    { "name": "route-cfd1d",
      "task": { "pde": { "equation": "cfd1d", "resolution": 32, "frames": 6, "initialStep": 2, "poolSamples": 12, "validationSamples": 6,
                         "testSamples": 6, "modes": 6, "width": 8, "stepSizeEpochs": 2, "threads": 2 } },
      "ratios": [1.0], "seeds": [3], "grid": { "learningRate": [0.005], "batchSize": [4], "tempBalance": [true] }, "epochs": 3 }
    """;

    // The same with Li et al.'s training instead of PDEBench's: per-channel relative L2 on pointwise-normalised fields.
    private const string Cfd1dNormalized = """
    { "name": "route-cfd1d-normalized",
      "task": { "pde": { "equation": "cfd1d", "resolution": 32, "frames": 6, "initialStep": 2, "poolSamples": 12, "validationSamples": 6,
                         "testSamples": 6, "modes": 6, "width": 8, "stepSizeEpochs": 2, "loss": "relative-l2", "normalize": "pointwise", "threads": 2 } },
      "ratios": [1.0], "seeds": [3], "grid": { "learningRate": [0.005], "batchSize": [4], "tempBalance": [true] }, "epochs": 3 }
    """;

    // The same Darcy task with PDEBench's UNet.
    private const string DarcyUNet = """
    { "name": "route-darcy-unet",
      "task": { "pde": { "equation": "darcy", "resolution": 16, "poolSamples": 12, "validationSamples": 6, "testSamples": 6,
                         "model": "unet", "uNetFeatures": 16, "stepSizeEpochs": 2, "threads": 2 } },
      "ratios": [1.0], "seeds": [3], "grid": { "learningRate": [0.005], "batchSize": [4], "tempBalance": [true] }, "epochs": 3 }
    """;

    // 1D compressible flow with PDEBench's UNet (1D), the paper's UNet setting.
    private const string Cfd1dUNet = """
    { "name": "route-cfd1d-unet",
      "task": { "pde": { "equation": "cfd1d", "resolution": 32, "frames": 6, "initialStep": 2, "poolSamples": 12, "validationSamples": 6,
                         "testSamples": 6, "model": "unet", "uNetFeatures": 16, "stepSizeEpochs": 2, "threads": 2 } },
      "ratios": [1.0], "seeds": [3], "grid": { "learningRate": [0.005], "batchSize": [4], "tempBalance": [true] }, "epochs": 3 }
    """;

    // The arms beyond the paper: the FNO's spectral weights balanced too, and another cadence.
    private const string DarcySpectral = """
    { "name": "route-darcy-spectral",
      "task": { "pde": { "equation": "darcy", "resolution": 16, "poolSamples": 12, "validationSamples": 6, "testSamples": 6,
                         "modes": 4, "width": 8, "stepSizeEpochs": 2, "threads": 2 } },
      "ratios": [1.0], "seeds": [3], "grid": { "learningRate": [0.005], "batchSize": [4], "tempBalance": [true], "spectralWeights": [true] }, "epochs": 3 }
    """;

    private const string DarcyEverySteps = """
    { "name": "route-darcy-steps",
      "task": { "pde": { "equation": "darcy", "resolution": 16, "poolSamples": 12, "validationSamples": 6, "testSamples": 6,
                         "modes": 4, "width": 8, "stepSizeEpochs": 2, "threads": 2 } },
      "ratios": [1.0], "seeds": [3], "grid": { "learningRate": [0.005], "batchSize": [4], "tempBalance": [true], "cadence": ["steps:2"] }, "epochs": 3 }
    """;

    [TestMethod]
    [DataRow(Darcy)]
    [DataRow(Cfd1d)]
    [DataRow(Cfd1dNormalized)]
    [DataRow(DarcyUNet)]
    [DataRow(Cfd1dUNet)]
    [DataRow(DarcySpectral)]
    [DataRow(DarcyEverySteps)]
    public void TheHarnessTrialEqualsTheSolverTrainedDirectly(string json)
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "spec.json");
        File.WriteAllText(path, json);
        ExperimentSpec spec = ExperimentSpec.Load(path);
        PdeTaskSpec task = spec.Task.Pde!;
        PdeExperimentData data = PdeExperimentData.Prepare(task, folder.Path, folder.Path, _ => { });
        Trial trial = Trial.All(spec).Single();

        TrialResult viaEstimators = PdeTrialExecutor.Run(trial, spec, data, reporter: null);

        bool single = data.Pool.Equation == "darcy";
        var direct = new PdeTrainingOptions
        {
            ModelKind = task.Kind,
            UNetFeatures = task.UNetFeatures,
            Model = new FnoOptions { Modes = task.Modes, Width = task.Width, InitialStep = single ? 1 : task.InitialStep, Channels = data.Pool.Channels.Count },
            SingleStep = single,
            Epochs = spec.Epochs,
            BatchSize = 4,
            LearningRate = 0.005,
            WeightDecay = task.WeightDecay,
            StepSizeEpochs = task.StepSizeEpochs,
            Loss = json.Contains("\"relative-l2\"", StringComparison.Ordinal) ? PdeLoss.RelativeL2 : PdeLoss.Mse,
            Normalization = json.Contains("\"pointwise\"", StringComparison.Ordinal) ? PdeNormalization.PointwiseGaussian : PdeNormalization.None,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.Adam },
            Seed = 3,
            Threads = 2,
            TempBalance = PdeTrainingOptions.DefaultTempBalance(balanceSpectralWeights: trial.Configuration.SpectralWeights) with
            {
                Cadence = trial.Configuration.Cadence == "steps:2" ? Microsoft.ML.TempBalance.Balancing.BalanceCadence.EverySteps(2) : Microsoft.ML.TempBalance.Balancing.BalanceCadence.EveryEpochs(1),
            },
        };
        using PdeSolver solver = PdeSolver.Train(data.Pool, data.Validation, direct);

        Assert.HasCount(3, viaEstimators.ValidationPerEpoch);
        CollectionAssert.AreEqual(solver.Result!.Epochs.Select(e => e.Validation!.Metric).ToList(), viaEstimators.ValidationPerEpoch.ToList());
        Assert.AreEqual(solver.Evaluate(data.Test).NormalizedRmse, viaEstimators.Test, 1e-12);
        Assert.IsNotEmpty(viaEstimators.LearningRateFactors, "TempBalance ran");
        CollectionAssert.AreEquivalent(viaEstimators.AlphaAfter.Keys.ToList(), viaEstimators.AlphaBefore.Keys.ToList(), "the 'before' report is of the same architecture");
        // The spectral arm balances the FNO's Fourier layers (conv0..conv3) too; the other arms leave them out.
        IReadOnlyCollection<string> units = viaEstimators.LearningRateFactors[^1].Factors.Keys.ToList();
        Assert.AreEqual(trial.Configuration.SpectralWeights, units.Any(k => k is "conv0" or "conv1" or "conv2" or "conv3"), string.Join(", ", units));
    }
}
