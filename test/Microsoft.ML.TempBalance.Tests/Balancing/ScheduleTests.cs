using Microsoft.ML.TempBalance.Schedules;

namespace Microsoft.ML.TempBalance.Tests.Balancing;

[TestClass]
public sealed class ScheduleTests
{
    [TestMethod]
    public void LinearWarmupDecayMatchesHuggingFaceFormula()
    {
        // 100 steps, ratio 0.06 → 6 warmup steps (ceil). HF: t/6 during warmup, then (100 − t)/94.
        var schedule = LinearWarmupDecaySchedule.FromRatio(3e-5, 100, 0.06);
        Assert.AreEqual(6, schedule.WarmupSteps);
        Assert.AreEqual(0.0, schedule.LearningRateAt(0));
        Assert.AreEqual(3e-5 * 3 / 6, schedule.LearningRateAt(3), 1e-20);
        Assert.AreEqual(3e-5, schedule.LearningRateAt(6), 1e-20);
        Assert.AreEqual(3e-5 * 47 / 94, schedule.LearningRateAt(53), 1e-20);
        Assert.AreEqual(0.0, schedule.LearningRateAt(100));
        Assert.AreEqual(0.0, schedule.LearningRateAt(150));
        Assert.AreEqual(1, LinearWarmupDecaySchedule.FromRatio(1, 10, 0.06).WarmupSteps);
    }

    [TestMethod]
    public void StepDecayHalvesEveryStepSize()
    {
        var schedule = new StepDecaySchedule(1e-3, 10, 0.5);
        Assert.AreEqual(1e-3, schedule.LearningRateAt(9));
        Assert.AreEqual(5e-4, schedule.LearningRateAt(10));
        Assert.AreEqual(1.25e-4, schedule.LearningRateAt(35));
        var perEpoch = (StepDecaySchedule)new ScheduleSettings { Kind = ScheduleKind.StepDecay, StepSizeEpochs = 100, Gamma = 0.5 }.Create(1e-3, 2000, 7);
        Assert.AreEqual(700, perEpoch.StepSize);
    }

    [TestMethod]
    public void CosineFollowsTheReferenceFormula()
    {
        var schedule = new CosineSchedule(0.1, 200);
        Assert.AreEqual(0.1, schedule.LearningRateAt(0), 1e-15);
        Assert.AreEqual(0.05, schedule.LearningRateAt(100), 1e-15);
        Assert.AreEqual(0.1 * 0.5 * (1 + Math.Cos(Math.PI * 50 / 200)), schedule.LearningRateAt(50), 1e-15);
        Assert.AreEqual(0.0, schedule.LearningRateAt(200), 1e-15);
        Assert.AreEqual(0.0, schedule.LearningRateAt(300), 1e-15);
    }

    [TestMethod]
    public void BadArgumentsAreNamed()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LinearWarmupDecaySchedule.FromRatio(1e-3, 10, 1.5));
        Assert.AreEqual("warmupRatio", e.ParamName);
        Assert.AreEqual("stepSize", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new StepDecaySchedule(1e-3, 0, 0.5)).ParamName);
        Assert.AreEqual("learningRate", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ConstantSchedule(double.NaN)).ParamName);
    }
}
