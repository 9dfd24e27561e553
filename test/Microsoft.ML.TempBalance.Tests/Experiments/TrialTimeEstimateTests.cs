using Microsoft.ML.TempBalance.Experiments;

namespace Microsoft.ML.TempBalance.Tests.Experiments;

[TestClass]
public sealed class TrialTimeEstimateTests
{
    [TestMethod]
    public void NothingIsEstimatedBeforeATrialRuns() =>
        Assert.IsNull(new TrialTimeEstimate().SecondsFor([0.5]));

    [TestMethod]
    public void OneRatioScalesWithTheTrainingSet()
    {
        var estimate = new TrialTimeEstimate();
        estimate.Add(0.1, 9);
        estimate.Add(0.1, 11);

        // 10 s per trial at ratio 0.1, so 100 s at ratio 1: 2 x 10 + 100.
        Assert.AreEqual(120, estimate.SecondsFor([0.1, 0.1, 1.0])!.Value, 1e-9);
    }

    [TestMethod]
    public void TwoRatiosFitAFixedCostPlusAPerSampleCost()
    {
        // Seconds = 20 + 300·ratio exactly (as in a run with fixed validation and analysis costs).
        var estimate = new TrialTimeEstimate();
        estimate.Add(0.06, 38);
        estimate.Add(0.25, 95);
        estimate.Add(0.25, 95);
        Assert.AreEqual(320 + 320 + 95, estimate.SecondsFor([1.0, 1.0, 0.25])!.Value, 1e-9);
    }

    [TestMethod]
    public void ANegativeFixedCostGivesTheBestLineThroughTheOrigin()
    {
        // The free line through these points has intercept −30. Through the origin, least squares gives
        // b = (0.2·10 + 0.4·50) / (0.2² + 0.4²) = 22 / 0.2 = 110 s per unit of ratio.
        var estimate = new TrialTimeEstimate();
        estimate.Add(0.2, 10);
        estimate.Add(0.4, 50);
        Assert.AreEqual(55, estimate.SecondsFor([0.5])!.Value, 1e-9);
    }

    [TestMethod]
    public void ANegativeSlopeGivesTheMeanTrialTime()
    {
        // Fixed costs dominate and noise tilts the line down: a larger trial must not be estimated as cheaper.
        var estimate = new TrialTimeEstimate();
        estimate.Add(0.25, 100);
        estimate.Add(0.5, 99);
        Assert.AreEqual(2 * 99.5, estimate.SecondsFor([1.0, 0.1])!.Value, 1e-9);
    }
}
