using Microsoft.ML.TempBalance.Tests.Text;
using TempBalance.Benchmarks;

namespace Microsoft.ML.TempBalance.Tests.Reliability;

/// <summary>
/// The short version of <c>src/Benchmarks soak</c>: two threads score with prediction engines and batched Transform
/// while a third allocates and forces collections; every output must be bit-identical to single-threaded scoring.
/// </summary>
[TestClass]
public sealed class ScoringSoakTests
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(3);

    [TestMethod]
    public void PdeScoringUnderLoadMatchesSingleThreadedScoring()
    {
        ScoringSoak.Outcome outcome = SoakModels.Pde("FNO2d", threads: 2, Duration, rows: 8, torchThreads: AssemblySetup.TorchThreads);
        Assert.AreEqual(0, outcome.Failures, outcome.ToString());
        Assert.IsGreaterThan(0L, outcome.EngineRows, outcome.ToString());
        Assert.IsGreaterThan(0L, outcome.BatchedRows, outcome.ToString());
    }

    [TestMethod]
    public void TextScoringUnderLoadMatchesSingleThreadedScoring()
    {
        using var folder = new TempFolder();
        string checkpoint = TinyBertFiles.Write(folder.File("ckpt"), new TinyBertVariant { Labels = 0 });
        ScoringSoak.Outcome outcome = SoakModels.Text("tiny BERT", checkpoint, threads: 2, Duration, rows: 8, torchThreads: AssemblySetup.TorchThreads);
        Assert.AreEqual(0, outcome.Failures, outcome.ToString());
        Assert.IsGreaterThan(0L, outcome.EngineRows, outcome.ToString());
        Assert.IsGreaterThan(0L, outcome.BatchedRows, outcome.ToString());
    }
}
