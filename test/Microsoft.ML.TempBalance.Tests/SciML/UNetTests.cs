using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.SciML.Models;
using Microsoft.ML.TempBalance.Spectral;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.SciML;

[TestClass]
public sealed class UNetTests
{
    // PDEBench UNet parameters from the architecture: blocks (two bias-free convs + two BatchNorms), transposed
    // convs (kernel 2, with bias), a final 1x1 conv.
    private static long Expected(int dims, int inputs, int outputs, int f = 32)
    {
        long k = dims == 1 ? 3 : 9, up = dims == 1 ? 2 : 4;
        long Block(long i, long o) => i * o * k + 2 * o + o * o * k + 2 * o;
        long Up(long i, long o) => i * o * up + o;
        return Block(inputs, f) + Block(f, 2 * f) + Block(2 * f, 4 * f) + Block(4 * f, 8 * f) + Block(8 * f, 16 * f)
            + Up(16 * f, 8 * f) + Block(16 * f, 8 * f) + Up(8 * f, 4 * f) + Block(8 * f, 4 * f)
            + Up(4 * f, 2 * f) + Block(4 * f, 2 * f) + Up(2 * f, f) + Block(2 * f, f) + f * outputs + outputs;
    }

    [TestMethod]
    public void ParameterCountsMatchPdeBench()
    {
        using var darcy = new UNet(2, 1, 1);
        Assert.AreEqual(7_762_465, darcy.parameters().Sum(p => p.numel()), "sciml-notes 7.1: 7.76 M");
        Assert.AreEqual(Expected(2, 1, 1), darcy.parameters().Sum(p => p.numel()));
        using var cfd2d = new UNet(2, 40, 4);
        Assert.AreEqual(Expected(2, 40, 4), cfd2d.parameters().Sum(p => p.numel()));
        Assert.AreEqual(7.77, cfd2d.parameters().Sum(p => p.numel()) / 1e6, 0.005);
        using var cfd1d = new UNet(1, 30, 3);
        Assert.AreEqual(Expected(1, 30, 3), cfd1d.parameters().Sum(p => p.numel()));
        Assert.AreEqual(2.71, cfd1d.parameters().Sum(p => p.numel()) / 1e6, 0.005);
    }

    [TestMethod]
    public void ShapesAndTheDivisibilityRule()
    {
        using var unet2d = new UNet(2, 1, 1, features: 16);
        using torch.Tensor y = unet2d.forward(torch.randn(2, 16, 32, 1), torch.zeros(1));
        CollectionAssert.AreEqual(new long[] { 2, 16, 32, 1, 1 }, y.shape);
        using var unet1d = new UNet(1, 30, 3, features: 16);
        using torch.Tensor y1 = unet1d.forward(torch.randn(2, 32, 30), torch.zeros(1));
        CollectionAssert.AreEqual(new long[] { 2, 32, 1, 3 }, y1.shape);
        var e = Assert.ThrowsExactly<ArgumentException>(() => unet2d.forward(torch.randn(1, 20, 16, 1), torch.zeros(1)));
        StringAssert.Contains(e.Message, "divisible by 16");
        Assert.AreEqual("features", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new UNet(2, 1, 1, features: 8)).ParamName);
    }

    [TestMethod]
    public void TempBalanceTreatsConvolutionsByTheConvRuleAndNormsFollowThem()
    {
        using var unet = new UNet(2, 1, 1, features: 16);
        ParameterGrouping grouping = ParameterGrouping.Create(unet, new TempBalanceOptions { Unit = BalanceUnit.Layer, Analyzer = new SpectralAnalyzerOptions { MinEigenvalues = 4 } });
        Assert.AreEqual("encoder1.enc1conv1", grouping.UnitOf("encoder1.enc1norm1.weight"), "BatchNorm follows its convolution (spec decision 11)");
        Assert.AreEqual("upconv4", grouping.UnitOf("upconv4.weight"), "transposed convolutions are analysed as convs");
        SpectralReport report = new SpectralAnalyzer(new SpectralAnalyzerOptions { MinEigenvalues = 4 }).Analyze(unet);
        Assert.AreEqual(LayerKind.Conv2d, report["encoder2.enc2conv1"].Kind);
        Assert.AreEqual(9 * 16, report["encoder2.enc2conv1"].EigenvalueCount, "9 kernel positions x min(32, 16)");
    }
}
