using Microsoft.ML.TempBalance.Spectral;
using TorchSharp;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.TempBalance.Tests.Spectral;

[TestClass]
public sealed class SpectralAnalyzerTests
{
    private static readonly SpectralAnalyzerOptions AnyCount = new() { MinEigenvalues = 0 };

    [TestMethod]
    [DataRow(256, 128, 3.0)]
    [DataRow(96, 200, 4.5)]
    [DataRow(160, 160, 2.5)]
    [DataRow(1000, 300, 3.0)] // sides from 256 up take the block-triangular Gram product, here with a ragged last panel
    [DataRow(300, 700, 4.0)]
    public void AlphaOfAMatrixWithKnownSingularValuesMatchesTheFloat64Formula(int rows, int cols, double tail)
    {
        double[] sigma = KnownSpectra.HeavyTailedSigma(Math.Min(rows, cols), tail, seed: rows + cols);
        using var w = KnownSpectra.WithSingularValues(rows, cols, sigma, seed: rows * cols);
        var report = new SpectralAnalyzer(AnyCount).Analyze(new Dictionary<string, torch.Tensor> { ["fc.weight"] = w }, "known");
        LayerSpectrum layer = report["fc"];

        double[] lambda = sigma.Select(s => s * s).ToArray();
        Assert.AreEqual(KnownSpectra.MedianAlpha(lambda), layer.Alpha, 1e-3);
        Assert.AreEqual(Math.Min(rows, cols), layer.EigenvalueCount);
        Assert.AreEqual(lambda.Max(), layer.SpectralNorm, 1e-4 * lambda.Max());
        Assert.AreEqual(lambda.Sum() / lambda.Max(), layer.StableRank, 1e-3 * layer.StableRank);
        Assert.AreEqual(layer.Alpha * Math.Log10(layer.SpectralNorm), layer.AlphaWeighted, 1e-12);
        Assert.AreEqual(Math.Log10(lambda.Sum()), layer.LogNorm, 1e-5);
    }

    [TestMethod]
    [DataRow(500, 400)]
    [DataRow(400, 500)]
    [DataRow(100, 80)]
    public void EveryEigenvalueMatchesTheSquaredSingularValuesOfAFloat64Svd(int rows, int cols)
    {
        using var w = torch.randn(new long[] { rows, cols }, generator: new torch.Generator(7));
        using var singular = torch.linalg.svdvals(w.to(torch.float64));
        double[] expected = singular.data<double>().Select(s => s * s).Order().ToArray();
        IReadOnlyList<double> actual = new SpectralAnalyzer(AnyCount).Analyze(new Dictionary<string, torch.Tensor> { ["fc.weight"] = w }, "random")["fc"].Eigenvalues;
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 2e-5 * expected[^1], $"eigenvalue {i}");
        }
    }

    [TestMethod]
    public void ScanAndPeakOnAFloat32MatrixAgreeWithTheFloat64Spectrum()
    {
        double[] sigma = KnownSpectra.HeavyTailedSigma(128, 3.0, seed: 11);
        using var w = KnownSpectra.WithSingularValues(200, 128, sigma, seed: 3);
        double[] lambda = sigma.Select(s => s * s).Order().ToArray();
        foreach (XminStrategy strategy in new[] { XminStrategy.Scan, XminStrategy.Peak })
        {
            var options = AnyCount with { Xmin = strategy };
            LayerSpectrum layer = new SpectralAnalyzer(options).Analyze(new Dictionary<string, torch.Tensor> { ["fc.weight"] = w }, "known")["fc"];
            PowerLawFit reference = HillEstimator.Fit(lambda, strategy);
            Assert.AreEqual(reference.Alpha, layer.Alpha, 1e-3, strategy.ToString());
        }
    }

    [TestMethod]
    public void ConvolutionSlicesArePooledAsInTheSpecExample()
    {
        using var w = torch.arange(12, dtype: torch.float32).reshape(3, 2, 1, 2);
        var report = new SpectralAnalyzer(AnyCount with { UseFloat64 = true }).Analyze(new Dictionary<string, torch.Tensor> { ["conv.weight"] = w }, "conv");
        LayerSpectrum layer = report["conv"];
        Assert.AreEqual(LayerKind.Conv2d, layer.Kind);
        double[] expected = { 0.67451024, 0.87976349, 109.12023651, 142.32548976 };
        Assert.HasCount(4, layer.Eigenvalues);
        for (int i = 0; i < 4; i++)
        {
            Assert.AreEqual(expected[i], layer.Eigenvalues[i], 1e-8);
        }
    }

    [TestMethod]
    public void ModuleWalkFindsLinearAndConvLayersWithTheSameNumbersAsTheirWeights()
    {
        torch.manual_seed(3);
        using var model = Sequential(("conv", Conv2d(4, 8, 3)), ("flat", Flatten()), ("fc", Linear(72, 10)), ("norm", LayerNorm(10)));
        var report = new SpectralAnalyzer(AnyCount with { UseFloat64 = true }).Analyze(model, "tiny");
        CollectionAssert.AreEqual(new[] { "conv", "fc" }, report.Layers.Select(l => l.Name).ToArray());

        // Conv: 9 slices of 8 x 4, each scaled by sqrt(0.5): pooled σ² x 0.5.
        var conv = (TorchSharp.Modules.Conv2d)model.named_children().First().module;
        var slices = Enumerable.Range(0, 9).SelectMany(p => KnownSpectra.SquaredSingularValues(conv.weight!.flatten(2)[.., .., p]))
            .Select(v => v * 0.5).Order().ToArray();
        AssertClose(slices, report["conv"].Eigenvalues, 1e-10);
        Assert.AreEqual(KnownSpectra.MedianAlpha(slices), report["conv"].Alpha, 1e-8);
    }

    [TestMethod]
    public void LoraLayersAreAnalysedAsWPlusBA()
    {
        torch.manual_seed(9);
        using var w = torch.randn(64, 48);
        using var a = torch.randn(4, 48) * 0.5;
        using var b = torch.randn(64, 4) * 0.5;
        var tensors = new Dictionary<string, torch.Tensor>
        {
            ["q.base_layer.weight"] = w,
            ["q.lora_A.weight"] = a,
            ["q.lora_B.weight"] = b,
        };

        LayerSpectrum plain = new SpectralAnalyzer(AnyCount with { UseFloat64 = true }).Analyze(tensors, "lora")["q"];
        LayerSpectrum scaled = new SpectralAnalyzer(AnyCount with { UseFloat64 = true, LoraScale = 2.0 }).Analyze(tensors, "lora")["q"];

        Assert.AreEqual(LayerKind.LoraLinear, plain.Kind);
        using var merged = w.to(torch.float64) + b.to(torch.float64).matmul(a.to(torch.float64));
        using var mergedScaled = w.to(torch.float64) + 2.0 * b.to(torch.float64).matmul(a.to(torch.float64));
        AssertClose(KnownSpectra.SquaredSingularValues(merged), plain.Eigenvalues, 1e-8);
        AssertClose(KnownSpectra.SquaredSingularValues(mergedScaled), scaled.Eigenvalues, 1e-8);
    }

    [TestMethod]
    public void BlockAlphaIsTheMeanOfItsSixLinearAlphasAndHeadsHaveNoBlock()
    {
        torch.manual_seed(21);
        var tensors = new Dictionary<string, torch.Tensor>();
        TinyEncoder.AddBlocks(tensors, layers: 2, hidden: 32, ffn: 64);
        string[] six = TinyEncoder.BlockLinears;
        tensors["roberta.embeddings.word_embeddings.weight"] = torch.randn(100, 32);
        tensors["classifier.dense.weight"] = torch.randn(32, 32);
        tensors["classifier.0.weight"] = torch.randn(32, 32);
        try
        {
            var report = new SpectralAnalyzer(AnyCount).Analyze(tensors, "tiny-roberta");

            Assert.AreEqual(14, report.Layers.Count, "12 encoder Linear layers + 2 classifier layers; no embedding by default, no 1-D tensors");
            Assert.HasCount(2, report.Blocks);
            for (int layer = 0; layer < 2; layer++)
            {
                string block = $"roberta.encoder.layer.{layer}";
                double expected = six.Average(n => report[$"{block}.{n}"].Alpha);
                BlockSpectrum actual = report.Blocks.Single(b => b.Name == block);
                Assert.AreEqual(expected, actual.Alpha, 1e-12);
                Assert.AreEqual(6, actual.LayerCount);
            }

            Assert.IsNull(report["classifier.dense"].Block);
            Assert.IsNull(report["classifier.0"].Block);
            double[] eligible = report.Layers.Select(l => l.Alpha).ToArray();
            double mean = eligible.Average();
            Assert.AreEqual(mean, report.Summary.AlphaMean, 1e-12);
            Assert.AreEqual(Math.Sqrt(eligible.Sum(a => (a - mean) * (a - mean)) / eligible.Length), report.Summary.AlphaStd, 1e-12);

            var withEmbeddings = new SpectralAnalyzer(AnyCount with { IncludeEmbeddings = true }).Analyze(tensors, "tiny-roberta");
            Assert.AreEqual(LayerKind.Embedding, withEmbeddings["roberta.embeddings.word_embeddings"].Kind);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    // Entries of 1e25 are finite in float32, but their float32 Gram matrix overflows and LAPACK does not converge on
    // it; the analysis redoes that layer in float64. Alpha does not depend on the scale of W.
    [TestMethod]
    public void WeightsWhoseFloat32GramOverflowsAreAnalysedInFloat64()
    {
        torch.manual_seed(4);
        using var w = torch.randn(80, 60);
        using var huge = w * 1e25f;
        LayerSpectrum reference = new SpectralAnalyzer(AnyCount with { UseFloat64 = true }).Analyze(new Dictionary<string, torch.Tensor> { ["fc.weight"] = w }, "plain")["fc"];
        LayerSpectrum scaled = new SpectralAnalyzer(AnyCount).Analyze(new Dictionary<string, torch.Tensor> { ["fc.weight"] = huge }, "huge")["fc"];
        Assert.AreEqual(LayerStatus.Ok, scaled.Status, scaled.Message);
        Assert.AreEqual(reference.Alpha, scaled.Alpha, 1e-6 * reference.Alpha);
    }

    [TestMethod]
    public void BadLayersAreFlaggedAndTheRestOfTheReportIsStillProduced()
    {
        torch.manual_seed(2);
        using var good = torch.randn(80, 60);
        using var nan = torch.randn(80, 60);
        nan[3, 4] = torch.tensor(float.NaN);
        nan[5, 6] = torch.tensor(float.PositiveInfinity);
        using var zero = torch.zeros(80, 60);
        // Rank one with one live input column: its Gram matrix is exactly diagonal, so the 59 zero eigenvalues are
        // exact whatever the thread count (an outer product of two random vectors leaves round-off noise instead,
        // which made the flag depend on the number of torch threads a previous test had set).
        using var rankOne = torch.zeros(80, 60);
        using (var column = rankOne.select(1, 0))
        using (var values = torch.randn(80))
        {
            column.copy_(values);
        }

        using var small = torch.randn(10, 8);
        var report = new SpectralAnalyzer(new SpectralAnalyzerOptions { MinEigenvalues = 50 }).Analyze(new Dictionary<string, torch.Tensor>
        {
            ["good.weight"] = good, ["nan.weight"] = nan, ["zero.weight"] = zero, ["rank1.weight"] = rankOne, ["small.weight"] = small,
        }, "bad");

        Assert.AreEqual(LayerStatus.Ok, report["good"].Status);
        Assert.IsTrue(report["good"].Eligible);
        Assert.AreEqual(LayerStatus.NonFiniteWeights, report["nan"].Status);
        StringAssert.Contains(report["nan"].Message!, "1 NaN and 1 infinite");
        Assert.AreEqual(LayerStatus.NonFiniteAlpha, report["zero"].Status);
        Assert.IsFalse(double.IsFinite(report["zero"].Alpha));
        Assert.AreEqual(LayerStatus.NonFiniteAlpha, report["rank1"].Status);
        Assert.AreEqual(LayerStatus.TooFewEigenvalues, report["small"].Status);
        Assert.IsFalse(report["small"].Eligible);
        Assert.AreEqual(1, report.Summary.EligibleCount);
        Assert.AreEqual(report["good"].Alpha, report.Summary.AlphaMean, 1e-12);
    }

    [TestMethod]
    public void TheZeroFilterDropsTinyEigenvaluesButKeepsAllWhenNothingWouldRemain()
    {
        using var rankDeficient = torch.cat(new[] { torch.randn(60, 30), torch.zeros(60, 30) }, 1);
        var options = AnyCount with { FilterZeros = true, UseFloat64 = true };
        LayerSpectrum filtered = new SpectralAnalyzer(options).Analyze(new Dictionary<string, torch.Tensor> { ["w.weight"] = rankDeficient }, "f")["w"];
        Assert.AreEqual(30, filtered.EigenvalueCount);
        Assert.IsTrue(double.IsFinite(filtered.Alpha));

        using var zero = torch.zeros(20, 20);
        LayerSpectrum allZero = new SpectralAnalyzer(options).Analyze(new Dictionary<string, torch.Tensor> { ["z.weight"] = zero }, "f")["z"];
        Assert.AreEqual(20, allZero.EigenvalueCount);
    }

    [TestMethod]
    public void AVocabularySizedEmbeddingIsAnalysedThroughTheSmallGramSide()
    {
        using var embedding = torch.randn(50265, 768) * 0.02;
        var report = new SpectralAnalyzer(new SpectralAnalyzerOptions { IncludeEmbeddings = true })
            .Analyze(new Dictionary<string, torch.Tensor> { ["embeddings.word_embeddings.weight"] = embedding }, "big");
        LayerSpectrum layer = report["embeddings.word_embeddings"];
        Assert.AreEqual(768, layer.EigenvalueCount);
        Assert.IsTrue(double.IsFinite(layer.Alpha));
        // Σλ is the squared Frobenius norm.
        Assert.AreEqual(embedding.to(torch.float64).square().sum().item<double>(), layer.FrobeniusNormSquared, 1e-3 * layer.FrobeniusNormSquared);
    }

    [TestMethod]
    public void FarmsPoolsTheFixedAspectRatioWindows()
    {
        torch.manual_seed(4);
        using var w = torch.randn(100, 512);
        var farms = AnyCount with { Farms = new FarmsOptions { RowSamples = 100, AspectRatio = 1.0, WindowsPerDimension = 9 }, UseFloat64 = true };
        LayerSpectrum layer = new SpectralAnalyzer(farms).Analyze(new Dictionary<string, torch.Tensor> { ["fc.weight"] = w }, "farms")["fc"];
        Assert.AreEqual(900, layer.EigenvalueCount, "1 x 9 windows of 100 x 100 (spec 7.1 example)");

        // Column starts 0, 51, ..., 408: the pooled spectrum equals the union of those windows' spectra.
        var expected = Enumerable.Range(0, 9).SelectMany(j => KnownSpectra.SquaredSingularValues(w[.., (51 * j)..(51 * j + 100)])).Order().ToArray();
        AssertClose(expected, layer.Eigenvalues, 1e-8);
    }

    [TestMethod]
    public void FourierSpectralWeightsArePooledPerModeOnlyOnRequest()
    {
        torch.manual_seed(8);
        using var weights = torch.randn(6, 5, 3, 2); // (in, out, modes, real/imag): one frequency corner
        using var corner = torch.randn(6, 5, 3, 2); // the other corner of the same layer
        var tensors = new Dictionary<string, torch.Tensor> { ["conv0.weights1"] = weights, ["conv0.weights2"] = corner };
        Assert.IsEmpty(new SpectralAnalyzer(AnyCount).Analyze(tensors, "fno").Layers);
        SpectralReport report = new SpectralAnalyzer(AnyCount with { IncludeSpectralWeights = true, UseFloat64 = true }).Analyze(tensors, "fno");
        LayerSpectrum layer = report.Layers.Single();
        Assert.AreEqual("conv0", layer.Name, "the two corners are one layer");
        Assert.AreEqual(LayerKind.FourierSpectral, layer.Kind);
        using var complex = torch.view_as_complex(weights.to(torch.float64));
        using var complex2 = torch.view_as_complex(corner.to(torch.float64));
        var expected = Enumerable.Range(0, 3).SelectMany(m => KnownSpectra.SquaredSingularValues(complex[.., .., m]).Concat(KnownSpectra.SquaredSingularValues(complex2[.., .., m]))).Order().ToArray();
        AssertClose(expected, layer.Eigenvalues, 1e-8);
    }

    private static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double relative)
    {
        Assert.HasCount(expected.Count, actual);
        double scale = expected.Max();
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.AreEqual(expected[i], actual[i], relative * scale, $"eigenvalue {i}");
        }
    }
}
