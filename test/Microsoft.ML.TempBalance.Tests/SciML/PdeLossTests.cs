using Microsoft.ML.TempBalance.SciML;
using Microsoft.ML.TempBalance.SciML.Models;
using Microsoft.ML.TempBalance.SciML.Training;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.SciML;

[TestClass]
public sealed class PdeLossTests
{
    // Two 1D samples of 3 points, frames [input, target]; the "model" predicts twice the input frame.
    private static PdeDataset Data(float[] secondTarget) => new(
        "darcy",
        [1, 2, 3, 1, 1, 1, 0, 0, 1, .. secondTarget],
        samples: 2, times: 2, spatialShape: [3], channels: ["u"],
        spatialCoordinates: [[0f, 0.5f, 1f]], timeCoordinate: [0f, 1f], parameters: new Dictionary<string, double>());

    private sealed class Doubling() : torch.nn.Module<torch.Tensor, torch.Tensor, torch.Tensor>("doubling")
    {
        public override torch.Tensor forward(torch.Tensor input, torch.Tensor grid) => input.unsqueeze(-2) * 2;
    }

    private static double Loss(PdeLoss kind)
    {
        using var scope = torch.NewDisposeScope();
        PdeDataset data = Data([0, 0, 4]);
        var rollout = new PdeRollout(data, initialStep: 1, singleStep: true, batchSize: 2, loss: kind);
        using var model = new Doubling();
        torch.Tensor trajectories = PdeRollout.ToTensor(data);
        return rollout.TrainingLoss(model, trajectories).item<float>();
    }

    [TestMethod]
    public void MseAveragesSquaredErrorsOverEveryPoint() =>
        // Predictions [2, 4, 6] and [0, 0, 2] against [1, 1, 1] and [0, 0, 4]: squared errors 1 + 9 + 25 and 4 over 6 points.
        Assert.AreEqual(39.0 / 6, Loss(PdeLoss.Mse), 1e-5);

    [TestMethod]
    public void RelativeL2AveragesEachSamplesRelativeError() =>
        // Sample 0: |(1, 3, 5)| / |(1, 1, 1)| = sqrt(35 / 3); sample 1: |(0, 0, 2)| / |(0, 0, 4)| = 0.5.
        Assert.AreEqual((Math.Sqrt(35.0 / 3) + 0.5) / 2, Loss(PdeLoss.RelativeL2), 1e-5);

    [TestMethod]
    public void RelativeL2RefusesAZeroTargetFrameAndNamesIt()
    {
        PdeDataset data = Data([0, 0, 0]);
        var options = new PdeTrainingOptions
        {
            Model = new FnoOptions { Modes = 1, Width = 4, InitialStep = 1, Channels = 1 },
            SingleStep = true, Epochs = 1, BatchSize = 2, Loss = PdeLoss.RelativeL2, Threads = AssemblySetup.TorchThreads,
        };
        var error = Assert.ThrowsExactly<ArgumentException>(() => PdeSolver.Train(data, null, options));
        StringAssert.Contains(error.Message, "sample 1, frame 1, channel 0 is zero everywhere");
        using PdeSolver withMse = PdeSolver.Train(data, null, options with { Loss = PdeLoss.Mse });
        Assert.HasCount(1, withMse.Result!.Epochs);
    }

    [TestMethod]
    public void OnlyFramesTheLossScoresMustBeNonZero()
    {
        // One sample, frames [1 2 3], [0 0 0], [1 1 1]: a rollout from frame 0 scores frames 1 and 2; pushforward with
        // one unrolled step scores only frame 2; the zero frame matters only to the first.
        var data = new PdeDataset("burgers", [1, 2, 3, 0, 0, 0, 1, 1, 1], samples: 1, times: 3, spatialShape: [3], channels: ["u"],
            spatialCoordinates: [[0f, 0.5f, 1f]], timeCoordinate: [0f, 0.5f, 1f], parameters: new Dictionary<string, double>());
        using var scope = torch.NewDisposeScope();
        torch.Tensor trajectories = PdeRollout.ToTensor(data);
        var full = new PdeRollout(data, initialStep: 1, singleStep: false, batchSize: 1, RolloutMode.FullRollout, loss: PdeLoss.RelativeL2);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => full.RequireUsableTargets(trajectories, "train")).Message, "sample 0, frame 1, channel 0");
        var pushforward = new PdeRollout(data, initialStep: 1, singleStep: false, batchSize: 1, RolloutMode.Pushforward, unrollSteps: 1, loss: PdeLoss.RelativeL2);
        pushforward.RequireUsableTargets(trajectories, "train");
        new PdeRollout(data, initialStep: 1, singleStep: false, batchSize: 1).RequireUsableTargets(trajectories, "train");
    }
}
