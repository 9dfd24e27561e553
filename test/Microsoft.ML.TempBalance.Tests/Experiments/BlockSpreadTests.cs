using Microsoft.ML.TempBalance.Experiments;
using Microsoft.ML.TempBalance.Samples;
using Microsoft.ML.TempBalance.Spectral;

namespace Microsoft.ML.TempBalance.Tests.Experiments;

[TestClass]
public sealed class BlockSpreadTests
{
    [TestMethod]
    public void TheSpreadIsTheStdOfTheBlockMeans()
    {
        // Blocks 0 and 1 have alphas (2 + 4) / 2 = 3 and 5; the head is in no block. Population std of {3, 5} = 1.
        var alphas = new Dictionary<string, double>
        {
            ["bert.encoder.layer.0.attention.self.query"] = 2,
            ["bert.encoder.layer.0.output.dense"] = 4,
            ["bert.encoder.layer.1.output.dense"] = 5,
            ["classifier"] = 9,
        };
        Assert.AreEqual(1.0, BlockSpread.Of(alphas), 1e-12);
        // An FNO's layers belong to no block.
        Assert.IsTrue(double.IsNaN(BlockSpread.Of(new Dictionary<string, double> { ["fc0"] = 3, ["conv0"] = 4, ["w0"] = 2 })));
    }

    [TestMethod]
    public void FromRecordedAlphasItEqualsTheAnalyzersBlockSpreadOfMiniLm()
    {
        // What a trial records (eligible layers' alphas), against the spectral report's own block summary.
        SpectralReport report = new SpectralAnalyzer().AnalyzeFile(Path.Combine(MiniLm.Checkpoint(), "model.safetensors"));
        var recorded = report.Layers.Where(l => l.Eligible).ToDictionary(l => l.Name, l => l.Alpha);
        Assert.IsGreaterThan(0.01, report.Summary.BlockAlphaStd);
        Assert.AreEqual(report.Summary.BlockAlphaStd, BlockSpread.Of(recorded), 1e-12);
    }
}
