using Microsoft.ML.TempBalance.SciML;
using Microsoft.ML.TempBalance.SciML.Training;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.SciML;

[TestClass]
public sealed class FieldNormalizerTests
{
    // Two 1D samples of 3 points with frames [input, target]: sample 0 is (1, 2, 3) → (a, b, c), sample 1 (0, 0, 1) → (0, 0, 4).
    private static torch.Tensor Trajectories(float a, float b, float c) => PdeRollout.ToTensor(new PdeDataset(
        "darcy",
        [1, 2, 3, a, b, c, 0, 0, 1, 0, 0, 4],
        samples: 2, times: 2, spatialShape: [3], channels: ["u"],
        spatialCoordinates: [[0f, 0.5f, 1f]], timeCoordinate: [0f, 1f], parameters: new Dictionary<string, double>()));

    private static float[] Values(torch.Tensor t) => t.contiguous().data<float>().ToArray();

    [TestMethod]
    public void SingleStepKeepsSeparateInputAndTargetStatistics()
    {
        using var scope = torch.NewDisposeScope();
        using FieldNormalizer normalizer = FieldNormalizer.Fit(Trajectories(1, 1, 1), singleStep: true);
        // Input points (1, 0), (2, 0), (3, 1): means 0.5, 1, 2 and population spreads 0.5, 1, 1.
        CollectionAssert.AreEqual(new long[] { 3, 1, 1 }, normalizer.InputMean.shape, "[space, frame, channel]");
        AssertClose(new[] { 0.5, 1, 2 }, Values(normalizer.InputMean));
        AssertClose(new[] { 0.5, 1, 1.0 }, Values(normalizer.InputStd));
        // Targets (1, 0), (1, 0), (1, 4): means 0.5, 0.5, 2.5 and spreads 0.5, 0.5, 1.5.
        AssertClose(new[] { 0.5, 0.5, 2.5 }, Values(normalizer.OutputMean));
        AssertClose(new[] { 0.5, 0.5, 1.5 }, Values(normalizer.OutputStd));

        torch.Tensor window = torch.tensor(new float[] { 1, 2, 3 }).reshape(1, 3, 1, 1);
        AssertClose(new[] { 1.0, 1, 1 }, Values(normalizer.Encode(window)));
        AssertClose(new[] { 1.0, 1, 4 }, Values(normalizer.Decode(torch.ones(1, 3, 1, 1))));
    }

    [TestMethod]
    public void ARolloutPoolsEveryFrameSoDecodingUndoesEncoding()
    {
        using var scope = torch.NewDisposeScope();
        using FieldNormalizer normalizer = FieldNormalizer.Fit(Trajectories(1, 1, 1), singleStep: false);
        // Point 0 pools 1, 1, 0, 0; point 1 pools 2, 1, 0, 0; point 2 pools 3, 1, 1, 4.
        AssertClose(new[] { 0.5, 0.75, 2.25 }, Values(normalizer.InputMean));
        AssertClose(new[] { 0.5, Math.Sqrt(0.6875), Math.Sqrt(1.6875) }, Values(normalizer.InputStd));
        CollectionAssert.AreEqual(Values(normalizer.InputStd), Values(normalizer.OutputStd));
        torch.Tensor window = torch.tensor(new float[] { 7, -2, 0.25f }).reshape(1, 3, 1, 1);
        AssertClose(new[] { 7.0, -2, 0.25 }, Values(normalizer.Decode(normalizer.Encode(window))));
    }

    [TestMethod]
    public void APointThatNeverVariesGetsAFloorInsteadOfADivisionByZero()
    {
        using var scope = torch.NewDisposeScope();
        // Target point 0 is 0 in both samples; the other spreads are 0.5 and 1.5, so the floor is 1e-3 x 2/3.
        using FieldNormalizer normalizer = FieldNormalizer.Fit(Trajectories(0, 1, 1), singleStep: true);
        AssertClose(new[] { 1e-3 * 2 / 3, 0.5, 1.5 }, Values(normalizer.OutputStd));
        Assert.AreEqual(0f, Values(normalizer.Decode(torch.full(1, 3, 1, 1, 5f)))[0], 1e-2f, "decoding pins the constant point to its mean");
    }

    [TestMethod]
    public void TheFloorIsSetPerChannelSoALargeChannelDoesNotSwampASmallOne()
    {
        using var scope = torch.NewDisposeScope();
        // 2 points x 2 channels, frames [input, target]. Target channel 0 spreads 1000 at both points; channel 1 is
        // constant (5) at point 0 and spreads 1 at point 1, so its floor is 1e-3 x 0.5, not 1e-3 x the mean over both channels.
        torch.Tensor trajectories = PdeRollout.ToTensor(new PdeDataset(
            "darcy",
            [1, 1, 1, 1, 0, 5, 0, 0, 2, 2, 2, 2, 2000, 5, 2000, 2],
            samples: 2, times: 2, spatialShape: [2], channels: ["a", "b"],
            spatialCoordinates: [[0f, 1f]], timeCoordinate: [0f, 1f], parameters: new Dictionary<string, double>()));
        using FieldNormalizer normalizer = FieldNormalizer.Fit(trajectories, singleStep: true);
        AssertClose(new[] { 1000, 5e-4, 1000, 1 }, Values(normalizer.OutputStd));
    }

    [TestMethod]
    public void OneSampleIsRefused()
    {
        using var scope = torch.NewDisposeScope();
        var e = Assert.ThrowsExactly<ArgumentException>(() => FieldNormalizer.Fit(Trajectories(1, 1, 1).narrow(0, 0, 1), singleStep: true));
        StringAssert.Contains(e.Message, "at least 2 training samples");
    }

    private static void AssertClose(double[] expected, float[] actual)
    {
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-6, $"element {i}: [{string.Join(", ", actual)}]");
        }
    }
}
