using System.Numerics;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.SciML.Models;
using Microsoft.ML.TempBalance.Spectral;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.SciML;

[TestClass]
public sealed class FnoModelTests
{
    private static long RealParameters(torch.nn.Module module) => module.parameters().Sum(p => p.numel());

    [TestMethod]
    public void ParameterCountsMatchThePdeBenchConfigurations()
    {
        // sciml-notes 7.1, "real scalars" (spectral weights stored as real pairs).
        using var cfd1d = new Fno1d(new FnoOptions { Modes = 12, Width = 20, InitialStep = 10, Channels = 3 });
        Assert.AreEqual(43_795, RealParameters(cfd1d));
        using var wide1d = new Fno1d(new FnoOptions { Modes = 16, Width = 64, InitialStep = 10, Channels = 1 });
        Assert.AreEqual(550_145, RealParameters(wide1d));
        using var darcy = new Fno2d(new FnoOptions { Modes = 12, Width = 20, InitialStep = 1, Channels = 1 });
        Assert.AreEqual(926_177, RealParameters(darcy));
        using var cfd2d = new Fno2d(new FnoOptions { Modes = 12, Width = 20, InitialStep = 10, Channels = 4 });
        Assert.AreEqual(927_344, RealParameters(cfd2d));
    }

    [TestMethod]
    public void ParameterNamesAreThoseOfPdeBenchCheckpoints()
    {
        // PDEBench's fno.py: fc0 (lifting), conv0..3 (spectral; FNO2d has two weight tensors per layer for the two
        // retained corners), w0..3 (pointwise convolutions), fc1 and fc2 (projection). Fno1d and Fno2d share one
        // implementation; these names are what saved models and PDEBench checkpoints hold, so they must not move.
        static string[] Expected(params string[] spectral) =>
            new[] { "fc0.weight", "fc0.bias" }
                .Concat(Enumerable.Range(0, 4).SelectMany(k => spectral.Select(w => $"conv{k}.{w}")))
                .Concat(Enumerable.Range(0, 4).SelectMany(k => new[] { $"w{k}.weight", $"w{k}.bias" }))
                .Concat(new[] { "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias" })
                .Order(StringComparer.Ordinal).ToArray();
        using var fno1d = new Fno1d(new FnoOptions { Modes = 4, Width = 8 });
        using var fno2d = new Fno2d(new FnoOptions { Modes = 4, Width = 8 });
        CollectionAssert.AreEqual(Expected("weights1"), fno1d.state_dict().Keys.Order(StringComparer.Ordinal).ToArray());
        CollectionAssert.AreEqual(Expected("weights1", "weights2"), fno2d.state_dict().Keys.Order(StringComparer.Ordinal).ToArray());
    }

    [TestMethod]
    public void ShapesFollowPdeBench()
    {
        using var fno1d = new Fno1d(new FnoOptions { InitialStep = 10, Channels = 3 });
        using torch.Tensor y1 = fno1d.forward(torch.randn(2, 128, 30), torch.rand(2, 128, 1));
        CollectionAssert.AreEqual(new long[] { 2, 128, 1, 3 }, y1.shape);
        using var fno2d = new Fno2d(new FnoOptions { InitialStep = 1, Channels = 1, Modes = 6 });
        using torch.Tensor y2 = fno2d.forward(torch.randn(2, 16, 16, 1), torch.rand(2, 16, 16, 2));
        CollectionAssert.AreEqual(new long[] { 2, 16, 16, 1, 1 }, y2.shape);
    }

    [TestMethod]
    public void SpectralConvolution1dEqualsAnExplicitDft()
    {
        const int inputs = 2, outputs = 3, modes = 3, n = 8;
        torch.manual_seed(5);
        using var layer = new SpectralConv1d(inputs, outputs, modes);
        using torch.Tensor x = torch.randn(1, inputs, n);
        using var noGrad = torch.no_grad();
        float[] actual = layer.forward(x).data<float>().ToArray();
        float[] w = layer.parameters().Single().data<float>().ToArray(); // (in, out, modes, 2)
        float[] input = x.data<float>().ToArray();

        for (int o = 0; o < outputs; o++)
        {
            var y = new Complex[n / 2 + 1];
            for (int k = 0; k < modes; k++)
            {
                for (int i = 0; i < inputs; i++)
                {
                    Complex xk = Complex.Zero;
                    for (int j = 0; j < n; j++)
                    {
                        xk += input[i * n + j] * Complex.Exp(new Complex(0, -2 * Math.PI * j * k / n));
                    }

                    int at = ((i * outputs + o) * modes + k) * 2;
                    y[k] += xk * new Complex(w[at], w[at + 1]);
                }
            }

            for (int j = 0; j < n; j++)
            {
                // Inverse of a real signal's half spectrum: Y_0 and Y_{n/2} contribute their real parts once.
                double value = y[0].Real + y[n / 2].Real * Math.Cos(Math.PI * j);
                for (int k = 1; k < n / 2; k++)
                {
                    value += 2 * (y[k] * Complex.Exp(new Complex(0, 2 * Math.PI * j * k / n))).Real;
                }

                Assert.AreEqual(value / n, actual[o * n + j], 1e-5, $"output {o}, point {j}");
            }
        }
    }

    [TestMethod]
    public void TempBalanceBalancesLiftingPointwiseAndProjectionLayersButNotSpectralWeightsByDefault()
    {
        using var fno = new Fno2d(new FnoOptions { InitialStep = 1, Channels = 1 });
        var options = new TempBalanceOptions { Analyzer = new SpectralAnalyzerOptions { MinEigenvalues = 12, XminPosition = 2.0 } };
        ParameterGrouping grouping = ParameterGrouping.Create(fno, options);
        CollectionAssert.AreEqual(new[] { "fc0", "w0", "w1", "w2", "w3", "fc1", "fc2" }, grouping.Units.Select(u => u.Name).ToArray());
        Assert.IsNull(grouping.UnitOf("conv0.weights1"), "spectral weights stay at the base rate (spec decision 10)");

        ParameterGrouping optIn = ParameterGrouping.Create(fno, options with { Analyzer = options.Analyzer with { IncludeSpectralWeights = true } });
        // One unit per Fourier layer: both frequency corners of conv2 share its rate (spec decision 10 pools all modes).
        Assert.AreEqual("conv2", optIn.UnitOf("conv2.weights1"));
        Assert.AreEqual("conv2", optIn.UnitOf("conv2.weights2"));
        CollectionAssert.AreEquivalent(new[] { "conv2.weights1", "conv2.weights2" }, optIn.Units.Single(u => u.Name == "conv2").Parameters.ToArray());
        SpectralReport report = new SpectralAnalyzer(options.Analyzer with { IncludeSpectralWeights = true }).Analyze(fno);
        Assert.AreEqual(LayerKind.FourierSpectral, report["conv0"].Kind);
        Assert.AreEqual(2 * 12 * 12 * 20, report["conv0"].EigenvalueCount, "one 20 x 20 complex matrix per retained mode of both corners, pooled");
        Assert.IsFalse(report["fc2"].Eligible, "fc2 (128 -> 1) has 1 eigenvalue < 12");
    }
}
