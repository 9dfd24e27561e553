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
    public void AFitWithANegativeFixedCostFallsBackToProportional()
    {
        // A line through these points would cross zero at ratio 0.1 (negative intercept); the fallback scales the
        // total time by the total ratio: 60 s over 0.6, so 100 s per unit of ratio.
        var estimate = new TrialTimeEstimate();
        estimate.Add(0.2, 10);
        estimate.Add(0.4, 50);
        Assert.AreEqual(50, estimate.SecondsFor([0.5])!.Value, 1e-9);
    }
}
