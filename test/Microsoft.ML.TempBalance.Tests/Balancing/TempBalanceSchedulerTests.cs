using System.Text.RegularExpressions;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.Schedules;
using Microsoft.ML.TempBalance.Spectral;
using Microsoft.ML.TempBalance.Tests.Spectral;
using Microsoft.ML.TempBalance.Tests.Training;
using TorchSharp;
using TorchSharp.Modules;

namespace Microsoft.ML.TempBalance.Tests.Balancing;

[TestClass]
public sealed partial class TempBalanceSchedulerTests
{
    // The paper's TB_Sigmoid written out here, independently of SigmoidMapping.
    private static double PaperSigmoid(double score, double mean, double low, double high, double tau)
    {
        double d = score - mean;
        return Math.Pow(10, (d > 0 ? high : low) * (1 / (1 + Math.Exp(-tau * d)) - 0.5));
    }

    [GeneratedRegex(@"^encoder\.layer\.(\d+)\.")]
    private static partial Regex BlockName();

    private static void MakeBlockHeavyTailed(TinyTransformer model, int block)
    {
        using var noGrad = torch.no_grad();
        int seed = 10;
        foreach ((string name, Parameter p) in model.named_parameters())
        {
            if (name.StartsWith($"encoder.layer.{block}.", StringComparison.Ordinal) && p.dim() == 2)
            {
                int rows = (int)p.shape[0], cols = (int)p.shape[1];
                double[] sigma = KnownSpectra.HeavyTailedSigma(Math.Min(rows, cols), 1.2, seed++);
                using torch.Tensor w = KnownSpectra.WithSingularValues(rows, cols, sigma, seed++);
                p.copy_(w);
            }
        }
    }

    [TestMethod]
    public void GroupRatesEqualBaseTimesIndependentBlockFactorsAtEveryStep()
    {
        torch.manual_seed(3);
        using var model = new TinyTransformer(vocabulary: 20, hidden: 16, ffn: 32, layers: 3, labels: 2);
        MakeBlockHeavyTailed(model, 1);
        using var task = new TokenTask(examples: 16, length: 6, vocabulary: 20, seed: 4);
        TempBalanceOptions options = ParameterGroupingTests.TinyOptions() with { Cadence = BalanceCadence.EverySteps(4) };
        ParameterGrouping grouping = ParameterGrouping.Create(model, options);
        using GroupedOptimizer optimizer = OptimizerFactory.Create(grouping, 1e-2, 0.01, new OptimizerSettings());
        var schedule = new LinearWarmupDecaySchedule(1e-2, totalSteps: 12, warmupSteps: 3);
        using var scheduler = new TempBalanceScheduler(optimizer, grouping, schedule, options);
        var analyzer = new SpectralAnalyzer(options.Analyzer);

        Dictionary<string, double> expected = new();
        for (int step = 0; step < 12; step++)
        {
            if (step % 4 == 0)
            {
                SpectralReport report = analyzer.Analyze(model);
                var blockAlpha = report.Layers
                    .Where(l => l.Eligible && BlockName().IsMatch(l.Name))
                    .GroupBy(l => BlockName().Match(l.Name).Groups[1].Value)
                    .ToDictionary(g => g.Key, g => g.Average(l => l.Alpha));
                Assert.HasCount(3, blockAlpha);
                double mean = blockAlpha.Values.Average();
                expected = blockAlpha.ToDictionary(p => p.Key, p => PaperSigmoid(p.Value, mean, 2, 1, 10));
                if (step == 0)
                {
                    Assert.IsTrue(blockAlpha["1"] < blockAlpha["0"] && blockAlpha["1"] < blockAlpha["2"], "block 1 was made heavy-tailed");
                }
            }

            scheduler.BeforeStep(step, epoch: 0);
            double baseRate = schedule.LearningRateAt(step);
            for (int g = 0; g < optimizer.Groups.Count; g++)
            {
                string first = grouping.Groups[g].ParameterNames[0];
                Match block = BlockName().Match(first);
                double factor = block.Success ? expected[block.Groups[1].Value] : 1.0;
                Assert.AreEqual(baseRate * factor, optimizer.Groups[g].LearningRate, 1e-12 * Math.Max(1e-3, baseRate), $"step {step}, group {optimizer.Groups[g].Name}");
            }

            if (baseRate > 0)
            {
                double RateOf(string block) => optimizer.Groups.First(g => g.Name.StartsWith($"encoder.layer.{block} ", StringComparison.Ordinal)).LearningRate;
                string lowest = expected.MinBy(p => p.Value).Key;
                Assert.IsTrue(RateOf(lowest) < baseRate, "the most heavy-tailed block trains slower than the base rate");
            }

            // A real update, so that the next analysis sees different weights.
            optimizer.ZeroGrad();
            using (torch.Tensor loss = task.Loss(model, Enumerable.Range(0, 16).ToArray()))
            {
                loss.backward();
            }

            optimizer.Step();
        }

        Assert.AreEqual(3, scheduler.UpdateCount);
        Assert.IsNotNull(scheduler.LastUpdate);
        Assert.AreEqual(8, scheduler.LastUpdate.Step);
        UnitBalance low = scheduler.LastUpdate.Units.MinBy(u => u.Score)!;
        UnitBalance high = scheduler.LastUpdate.Units.MaxBy(u => u.Score)!;
        Assert.IsTrue(high.Factor > low.Factor && high.LearningRate > low.LearningRate, "higher alpha, higher rate");
    }

    private static TinyDeepMlp DeepMlpWithBrokenLayers()
    {
        torch.manual_seed(5);
        var model = new TinyDeepMlp();
        using var noGrad = torch.no_grad();
        model.named_parameters().Single(p => p.name == "fc2.weight").parameter.zero_();
        return model;
    }

    [TestMethod]
    public void IneligibleAndNonFiniteLayersStayAtBaseAndDoNotMoveTheOthers()
    {
        using TinyDeepMlp model = DeepMlpWithBrokenLayers();
        TempBalanceOptions options = ParameterGroupingTests.TinyOptions(BalanceUnit.Layer);
        ParameterGrouping grouping = ParameterGrouping.Create(model, options);
        using GroupedOptimizer optimizer = OptimizerFactory.Create(grouping, 0.1, 0, new OptimizerSettings());
        using var scheduler = new TempBalanceScheduler(optimizer, grouping, new ConstantSchedule(0.1), options);
        scheduler.BeforeStep(0, 0);

        SpectralReport report = new SpectralAnalyzer(options.Analyzer).Analyze(model);
        Assert.AreEqual(LayerStatus.NonFiniteAlpha, report["fc2"].Status, "an all-zero weight has no alpha");
        Assert.AreEqual(LayerStatus.TooFewEigenvalues, report["fc4"].Status, "a 4-output head has 4 eigenvalues (< 8)");
        string[] good = { "fc0", "fc1", "fc3" };
        double mean = good.Average(n => report[n].Alpha);
        foreach (string layer in good)
        {
            double expected = 0.1 * PaperSigmoid(report[layer].Alpha, mean, 2, 1, 10);
            Assert.AreEqual(expected, optimizer.Groups.First(g => g.Name == $"{layer} (decay)").LearningRate, 1e-14, layer);
        }

        foreach (string layer in new[] { "fc2", "fc4" })
        {
            Assert.AreEqual(0.1, optimizer.Groups.First(g => g.Name == $"{layer} (decay)").LearningRate, 0, layer);
            UnitBalance unit = scheduler.LastUpdate!.Units.Single(u => u.Unit == layer);
            Assert.IsFalse(unit.Balanced);
            Assert.IsNotNull(unit.Reason);
        }

        Assert.IsTrue(scheduler.LastUpdate!.Warnings.Any(w => w.StartsWith("fc2 keeps the base rate", StringComparison.Ordinal)));
        Assert.IsTrue(scheduler.LastUpdate.Warnings.Any(w => w.StartsWith("fc4 keeps the base rate", StringComparison.Ordinal) && w.Contains("fewer than MinEigenvalues", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void FixedScoresKeepTheStepZeroFactors()
    {
        Dictionary<string, double> FactorsAfterGrowth(bool fixedScores)
        {
            torch.manual_seed(7);
            using var model = new TinyDeepMlp();
            TempBalanceOptions options = ParameterGroupingTests.TinyOptions(BalanceUnit.Layer) with { FixedScores = fixedScores, Cadence = BalanceCadence.EverySteps(1) };
            ParameterGrouping grouping = ParameterGrouping.Create(model, options);
            using GroupedOptimizer optimizer = OptimizerFactory.Create(grouping, 0.1, 0, new OptimizerSettings());
            using var scheduler = new TempBalanceScheduler(optimizer, grouping, new ConstantSchedule(0.1), options);
            scheduler.BeforeStep(0, 0);
            var initial = new Dictionary<string, double>(scheduler.Factors);
            using (torch.no_grad())
            {
                // Make fc1 strongly heavy-tailed: one huge direction.
                Parameter w = model.named_parameters().Single(p => p.name == "fc1.weight").parameter;
                double[] sigma = KnownSpectra.HeavyTailedSigma(16, 0.8, 99);
                using torch.Tensor heavy = KnownSpectra.WithSingularValues(16, 16, sigma, 98);
                w.copy_(heavy);
            }

            scheduler.BeforeStep(1, 0);
            Assert.AreEqual(2, scheduler.UpdateCount);
            return fixedScores ? Compare(initial, scheduler.Factors, equal: true) : Compare(initial, scheduler.Factors, equal: false);
        }

        static Dictionary<string, double> Compare(IReadOnlyDictionary<string, double> before, IReadOnlyDictionary<string, double> after, bool equal)
        {
            bool same = before.All(p => after[p.Key] == p.Value);
            Assert.AreEqual(equal, same, equal ? "FixedScores must keep the step-0 factors" : "without FixedScores the factors must follow the new weights");
            return new Dictionary<string, double>(after);
        }

        FactorsAfterGrowth(fixedScores: true);
        FactorsAfterGrowth(fixedScores: false);
    }

    [TestMethod]
    public void WeightDecayBalancingLeavesRatesUniform()
    {
        using TinyDeepMlp model = DeepMlpWithBrokenLayers();
        TempBalanceOptions options = ParameterGroupingTests.TinyOptions(BalanceUnit.Layer) with { Target = BalanceTarget.WeightDecay };
        ParameterGrouping grouping = ParameterGrouping.Create(model, options);
        using GroupedOptimizer optimizer = OptimizerFactory.Create(grouping, 0.1, 0.01, new OptimizerSettings());
        using var scheduler = new TempBalanceScheduler(optimizer, grouping, new ConstantSchedule(0.1), options);
        scheduler.BeforeStep(0, 0);

        SpectralReport report = new SpectralAnalyzer(options.Analyzer).Analyze(model);
        string[] good = { "fc0", "fc1", "fc3" };
        double min = good.Min(n => report[n].Alpha), max = good.Max(n => report[n].Alpha);
        Assert.IsTrue(optimizer.Groups.All(g => g.LearningRate == 0.1));
        foreach (string layer in good)
        {
            double expected = 0.01 * (0.5 + (report[layer].Alpha - min) / (max - min));
            Assert.AreEqual(expected, optimizer.Groups.First(g => g.Name == $"{layer} (decay)").WeightDecay, 1e-15, layer);
            Assert.AreEqual(0.0, optimizer.Groups.First(g => g.Name == $"{layer} (no decay)").WeightDecay);
        }

        Assert.AreEqual(0.01, optimizer.Groups.First(g => g.Name == "fc2 (decay)").WeightDecay);
    }

    private sealed class BrokenMapping : ILearningRateMapping
    {
        public string Name => "broken";

        public double[] Factors(IReadOnlyList<double> scores) => scores.Select(_ => -1.0).ToArray();
    }

    [TestMethod]
    public void AMappingGivingInvalidFactorsFallsBackToTheBaseRateWithAWarning()
    {
        using TinyDeepMlp model = DeepMlpWithBrokenLayers();
        TempBalanceOptions options = ParameterGroupingTests.TinyOptions(BalanceUnit.Layer) with { Mapping = new BrokenMapping() };
        ParameterGrouping grouping = ParameterGrouping.Create(model, options);
        using GroupedOptimizer optimizer = OptimizerFactory.Create(grouping, 0.1, 0, new OptimizerSettings());
        using var scheduler = new TempBalanceScheduler(optimizer, grouping, new ConstantSchedule(0.1), options);
        scheduler.BeforeStep(0, 0);
        Assert.IsTrue(optimizer.Groups.All(g => g.LearningRate == 0.1));
        Assert.IsTrue(scheduler.LastUpdate!.Warnings.Any(w => w.Contains("broken gave a factor", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void EpochCadenceAnalysesAtTheStartOfEveryNthEpoch()
    {
        using var model = new TinyDeepMlp();
        TempBalanceOptions options = ParameterGroupingTests.TinyOptions(BalanceUnit.Layer) with { Cadence = BalanceCadence.EveryEpochs(2) };
        ParameterGrouping grouping = ParameterGrouping.Create(model, options);
        using GroupedOptimizer optimizer = OptimizerFactory.Create(grouping, 0.1, 0, new OptimizerSettings());
        using var scheduler = new TempBalanceScheduler(optimizer, grouping, new ConstantSchedule(0.1), options);
        var analysedAt = new List<long>();
        scheduler.Updated += (_, u) => analysedAt.Add(u.Step);
        int[] epochOfStep = { 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4 };
        for (int step = 0; step < epochOfStep.Length; step++)
        {
            scheduler.BeforeStep(step, epochOfStep[step]);
        }

        CollectionAssert.AreEqual(new long[] { 0, 6, 12 }, analysedAt);
    }

    [TestMethod]
    public void ReferenceCadenceFollowsTheTextRule()
    {
        Assert.AreEqual(new StepCadence(1), BalanceCadence.Reference(4));
        Assert.AreEqual(new StepCadence(3), BalanceCadence.Reference(35));
        Assert.AreEqual(new StepCadence(100), BalanceCadence.Reference(50_000));
    }

    [TestMethod]
    public void BudgetAllowsAnAnalysisOnlyWhenItFitsTheShare()
    {
        var budget = new BudgetCadence(0.05);
        // One analysis of 1 s done: the next (another 1 s) fits once (1 + 1) <= 0.05 (T + 1), i.e. T >= 39 s.
        Assert.IsFalse(budget.Allows(analysisSeconds: 1, lastCost: 1, elapsedSeconds: 38.9));
        Assert.IsTrue(budget.Allows(analysisSeconds: 1, lastCost: 1, elapsedSeconds: 39.0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => BalanceCadence.Budget(1.5));
    }

    [TestMethod]
    public void BackgroundAnalysisAppliesFactorsOfTheSnapshotWhenReady()
    {
        torch.manual_seed(11);
        using var model = new TinyDeepMlp();
        TempBalanceOptions options = ParameterGroupingTests.TinyOptions(BalanceUnit.Layer) with { Cadence = BalanceCadence.EverySteps(2), BackgroundAnalysis = true };
        ParameterGrouping grouping = ParameterGrouping.Create(model, options);
        using GroupedOptimizer optimizer = OptimizerFactory.Create(grouping, 0.1, 0, new OptimizerSettings());
        using var scheduler = new TempBalanceScheduler(optimizer, grouping, new ConstantSchedule(0.1), options);
        scheduler.BeforeStep(0, 0);
        Assert.AreEqual(1, scheduler.UpdateCount, "step 0 is analysed on the training thread");
        scheduler.BeforeStep(1, 0);

        Parameter fc1 = model.named_parameters().Single(p => p.name == "fc1.weight").parameter;
        using (torch.no_grad())
        {
            using torch.Tensor heavy = KnownSpectra.WithSingularValues(16, 16, KnownSpectra.HeavyTailedSigma(16, 0.8, 5), 6);
            fc1.copy_(heavy);
        }

        SpectralReport atStepTwo = new SpectralAnalyzer(options.Analyzer).Analyze(model);
        scheduler.BeforeStep(2, 0); // snapshot taken here
        using (torch.no_grad())
        {
            fc1.mul_(0); // changed after the snapshot: must not affect the applied factors
        }

        StepUntilUpdates(scheduler, updates: 2, firstStep: 3);

        Assert.AreEqual(2, scheduler.UpdateCount);
        BalanceUpdate update = scheduler.LastUpdate!;
        Assert.AreEqual(2, update.AnalysedStep);
        Assert.IsGreaterThan(2L, update.Step);
        Assert.AreEqual(atStepTwo["fc1"].Alpha, update.Report["fc1"].Alpha, 1e-12);
        Assert.IsTrue(update.Units.Single(u => u.Unit == "fc1").Balanced);
    }

    [TestMethod]
    public void BackgroundAnalysisSnapshotsEveryCornerOfAFourierLayer()
    {
        torch.manual_seed(12);
        using var fno = new Microsoft.ML.TempBalance.SciML.Models.Fno2d(new Microsoft.ML.TempBalance.SciML.Models.FnoOptions { Modes = 4, Width = 8, InitialStep = 1, Channels = 1 });
        var analyzer = new SpectralAnalyzerOptions { XminPosition = 2.0, MinEigenvalues = 4, IncludeSpectralWeights = true };
        TempBalanceOptions options = new() { Unit = BalanceUnit.Layer, Cadence = BalanceCadence.EverySteps(2), BackgroundAnalysis = true, Analyzer = analyzer };
        ParameterGrouping grouping = ParameterGrouping.Create(fno, options);
        using GroupedOptimizer optimizer = OptimizerFactory.Create(grouping, 0.1, 0, new OptimizerSettings());
        using var scheduler = new TempBalanceScheduler(optimizer, grouping, new ConstantSchedule(0.1), options);
        scheduler.BeforeStep(0, 0);
        scheduler.BeforeStep(1, 0);
        SpectralReport atStepTwo = new SpectralAnalyzer(analyzer).Analyze(fno);
        scheduler.BeforeStep(2, 0); // snapshot taken here
        Parameter corner = fno.named_parameters().Single(p => p.name == "conv0.weights2").parameter;
        using (torch.no_grad())
        {
            corner.mul_(0); // the second corner changes after the snapshot: the analysis must not see it
        }

        StepUntilUpdates(scheduler, updates: 2, firstStep: 3);

        Assert.AreEqual(2, scheduler.UpdateCount);
        Assert.AreEqual(atStepTwo["conv0"].Alpha, scheduler.LastUpdate!.Report["conv0"].Alpha, 1e-12);
    }

    // Keeps stepping (as training would) until the background analysis has been applied, or a minute has passed.
    private static void StepUntilUpdates(TempBalanceScheduler scheduler, int updates, long firstStep)
    {
        long step = firstStep;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (scheduler.UpdateCount < updates && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
            scheduler.BeforeStep(step++, 0);
        }
    }

    [TestMethod]
    public void MismatchedOptimizerIsRejected()
    {
        using var model = new TinyDeepMlp();
        TempBalanceOptions options = ParameterGroupingTests.TinyOptions(BalanceUnit.Layer);
        ParameterGrouping grouping = ParameterGrouping.Create(model, options);
        using GroupedOptimizer optimizer = OptimizerFactory.Create(ParameterGrouping.Uniform(model), 0.1, 0, new OptimizerSettings());
        var e = Assert.ThrowsExactly<ArgumentException>(() => new TempBalanceScheduler(optimizer, grouping, new ConstantSchedule(0.1), options));
        Assert.AreEqual("optimizer", e.ParamName);
    }
}
