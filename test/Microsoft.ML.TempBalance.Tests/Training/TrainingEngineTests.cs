using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Checkpoints;
using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.Schedules;
using Microsoft.ML.TempBalance.Spectral;
using Microsoft.ML.TempBalance.Tests.Balancing;
using Microsoft.ML.TempBalance.Training;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Training;

[TestClass]
public sealed class TrainingEngineTests
{
    private static TrainingOptions Regression(OptimizerKind kind, bool sam, bool balance, double lr) => new()
    {
        Epochs = 15,
        BatchSize = 8,
        Seed = 3,
        LearningRate = lr,
        WeightDecay = 1e-4,
        Threads = AssemblySetup.TorchThreads,
        Schedule = new ScheduleSettings { Kind = ScheduleKind.Constant },
        Optimizer = new OptimizerSettings { Kind = kind, Sam = sam ? new SamOptions { Rho = 0.05 } : null },
        TempBalance = balance
            ? new TempBalanceOptions { Unit = BalanceUnit.Layer, Analyzer = new SpectralAnalyzerOptions { MinEigenvalues = 8 }, Mapping = new SigmoidMapping(1, 1) }
            : null,
    };

    // The paper's Table 1 compares FT, SAM, AdaFactor and AdaFactor+TB; every optimizer runs alone and with TB.
    [TestMethod]
    [DataRow(OptimizerKind.AdamW, false, false, 1e-2)]
    [DataRow(OptimizerKind.AdamW, false, true, 1e-2)]
    [DataRow(OptimizerKind.Adam, false, false, 1e-2)]
    [DataRow(OptimizerKind.Adam, false, true, 1e-2)]
    [DataRow(OptimizerKind.Sgd, false, false, 5e-2)]
    [DataRow(OptimizerKind.Sgd, false, true, 5e-2)]
    [DataRow(OptimizerKind.AdaFactor, false, false, 1e-2)]
    [DataRow(OptimizerKind.AdaFactor, false, true, 1e-2)]
    [DataRow(OptimizerKind.AdamW, true, false, 1e-2)]
    [DataRow(OptimizerKind.AdamW, true, true, 1e-2)]
    public void ShortRunReducesTheLoss(OptimizerKind kind, bool sam, bool balance, double lr)
    {
        torch.manual_seed(1);
        using var model = new TinyMlp(16, 16, 4);
        using var task = new RegressionTask(examples: 64, input: 16, output: 4, seed: 2);
        double before = task.FullLoss(model);
        TrainingResult result = new TrainingEngine(Regression(kind, sam, balance, lr)).Train(model, task);
        double after = task.FullLoss(model);
        Assert.IsLessThan(0.5 * before, after, $"loss {before:G4} → {after:G4}");
        Assert.AreEqual(15 * 8, result.Steps);
        Assert.AreEqual(balance ? 15 : 0, result.BalanceUpdates.Count, "TempBalance analyses once per epoch by default");
        if (balance)
        {
            Assert.IsTrue(result.BalanceUpdates[^1].Units.Any(u => u.Balanced && u.Factor != 1.0));
        }
    }

    [TestMethod]
    public void TransformerWithBlockTempBalanceTrains()
    {
        torch.manual_seed(2);
        using var model = new TinyTransformer(vocabulary: 20, hidden: 16, ffn: 32, layers: 2, labels: 2);
        using var task = new TokenTask(examples: 32, length: 6, vocabulary: 20, seed: 5);
        double before = task.FullLoss(model);
        var options = new TrainingOptions
        {
            Epochs = 12,
            BatchSize = 8,
            LearningRate = 3e-3,
            WeightDecay = 0.01,
            Threads = AssemblySetup.TorchThreads,
            TempBalance = ParameterGroupingTests.TinyOptions() with { Cadence = BalanceCadence.Reference(4) },
        };
        var messages = new ListReporter();
        TrainingResult result = new TrainingEngine(options).Train(model, task, messages);
        Assert.IsLessThan(before, task.FullLoss(model));
        Assert.AreEqual(BalanceUnit.Block, result.Grouping.Mode);
        Assert.AreEqual(result.Steps, result.BalanceUpdates.Count, "reference cadence with 4 batches per epoch: every step");
        Assert.IsTrue(messages.Lines[0].Contains("TempBalance TB_Sigmoid over 2 block(s)", StringComparison.Ordinal), messages.Lines[0]);
        Assert.IsTrue(messages.Lines.Any(l => l.StartsWith("Epoch 12: loss", StringComparison.Ordinal) && l.Contains("alpha std", StringComparison.Ordinal) && l.Contains("across blocks", StringComparison.Ordinal)));
        Assert.HasCount(12, messages.Epochs);
        Assert.IsTrue(result.Epochs.All(e => double.IsFinite(e.AlphaStd)));

        // The paper's diagnostic for transformers is the spread of the block alphas, the scores the blocks were balanced on.
        double[] blockAlphas = result.BalanceUpdates[^1].Units.Select(u => u.Score).ToArray();
        Assert.HasCount(2, blockAlphas);
        double mean = blockAlphas.Average();
        Assert.AreEqual(Math.Sqrt(blockAlphas.Average(a => (a - mean) * (a - mean))), result.Epochs[^1].BlockAlphaStd, 1e-9);
    }

    [TestMethod]
    public void ExplodingRunStopsWithTheNaNErrorAndLeavesNoModel()
    {
        using var folder = new TempFolder();
        string output = Path.Combine(folder.Path, "model.safetensors");
        torch.manual_seed(1);
        using var model = new TinyMlp(16, 16, 4);
        using var task = new RegressionTask(examples: 64, input: 16, output: 4, seed: 2);
        TrainingOptions options = Regression(OptimizerKind.Sgd, false, false, 1e12) with { GradientClipNorm = null, OutputPath = output };
        var e = Assert.ThrowsExactly<TrainingDivergedException>(() => new TrainingEngine(options).Train(model, task));
        StringAssert.Contains(e.Message, $"step {e.Step}");
        StringAssert.Contains(e.Message, "no model was saved");
        Assert.IsFalse(File.Exists(output));
        Assert.IsEmpty(Directory.GetFiles(folder.Path), "no temporary file either");
    }

    [TestMethod]
    public void StepsRunInsideANoGcRegionThatIsClosedAfterTraining()
    {
        // TorchSharp's temporary scalars must not be finalized mid-call (FinalizerRaceGuard), so every step runs with
        // collections held back, and the process is left as it was, also after a failed run.
        torch.manual_seed(1);
        using var model = new TinyMlp(16, 16, 4);
        using var task = new RegressionTask(examples: 16, input: 16, output: 4, seed: 2);
        var modes = new LatencyReporter();
        new TrainingEngine(Regression(OptimizerKind.AdamW, false, true, 1e-2) with { Epochs = 2 }).Train(model, task, modes);
        Assert.HasCount(4, modes.Steps);
        Assert.IsTrue(modes.Steps.All(m => m == System.Runtime.GCLatencyMode.NoGCRegion), string.Join(", ", modes.Steps));
        Assert.AreNotEqual(System.Runtime.GCLatencyMode.NoGCRegion, System.Runtime.GCSettings.LatencyMode);

        TrainingOptions exploding = Regression(OptimizerKind.Sgd, false, false, 1e12) with { GradientClipNorm = null };
        Assert.ThrowsExactly<TrainingDivergedException>(() => new TrainingEngine(exploding).Train(model, task));
        Assert.AreNotEqual(System.Runtime.GCLatencyMode.NoGCRegion, System.Runtime.GCSettings.LatencyMode);
    }

    [TestMethod]
    public void SuccessfulRunWritesTheModelAtomically()
    {
        using var folder = new TempFolder();
        string output = Path.Combine(folder.Path, "model.safetensors");
        torch.manual_seed(1);
        using var model = new TinyMlp(16, 16, 4);
        using var task = new RegressionTask(examples: 16, input: 16, output: 4, seed: 2);
        new TrainingEngine(Regression(OptimizerKind.AdamW, false, false, 1e-2) with { Epochs = 2, OutputPath = output }).Train(model, task);
        using var copy = new TinyMlp(16, 16, 4);
        ModuleCheckpoint.Load(copy, output);
        Assert.AreEqual(task.FullLoss(model), task.FullLoss(copy), 0);
    }

    [TestMethod]
    public void StepsDoNotLeakTensors()
    {
        torch.manual_seed(1);
        using var model = new TinyMlp(16, 16, 4);
        using var task = new RegressionTask(examples: 32, input: 16, output: 4, seed: 2);
        // Finalize earlier tests' garbage first: its finalizers would otherwise change the global count mid-run.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var counter = new LiveTensorCounter();
        TrainingOptions options = Regression(OptimizerKind.AdamW, false, true, 1e-2) with { Epochs = 6, TempBalance = Regression(OptimizerKind.AdamW, false, true, 1e-2).TempBalance! with { Cadence = BalanceCadence.EverySteps(1) } };
        new TrainingEngine(options).Train(model, task, counter);
        // Once the optimizer state (step 0) and the best-epoch copy (end of epoch 0) exist, the count must be flat.
        long[] counts = counter.Counts.Skip(4).ToArray();
        Assert.HasCount(20, counts);
        Assert.AreEqual(counts[0], counts.Max(), $"live tensors grew: {string.Join(", ", counts)}");
    }

    [TestMethod]
    public void BestEpochWeightsAreRestored()
    {
        torch.manual_seed(1);
        using var model = new TinyMlp(16, 16, 4);
        using var task = new RegressionTask(examples: 32, input: 16, output: 4, seed: 2);
        // A large constant rate makes validation bounce, so (with these seeds) the best epoch is not the last one and
        // the restore has something to undo.
        TrainingResult result = new TrainingEngine(Regression(OptimizerKind.Sgd, false, false, 0.9) with { Epochs = 8 }).Train(model, task);
        int best = result.Epochs.Select((e, i) => (e.Validation!.Metric, i)).MinBy(x => x.Metric).i;
        Assert.AreEqual(best, result.BestEpoch);
        Assert.IsLessThan(result.Epochs.Count - 1, best, "this case needs a best epoch before the last");
        using var noGrad = torch.no_grad();
        double restored = task.Validate(model)!.Metric;
        Assert.AreEqual(result.Epochs[best].Validation!.Metric, restored, 1e-6);
        Assert.IsGreaterThan(1e-3, Math.Abs(result.Epochs[^1].Validation!.Metric - restored), "the model is not the last epoch's");
    }

    [TestMethod]
    public void SameSeedGivesTheSameModel()
    {
        float[] Run()
        {
            torch.manual_seed(1);
            using var model = new TinyMlp(16, 16, 4);
            using var task = new RegressionTask(examples: 40, input: 16, output: 4, seed: 2);
            new TrainingEngine(Regression(OptimizerKind.AdamW, false, true, 1e-2) with { Epochs = 3 }).Train(model, task);
            return model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
        }

        CollectionAssert.AreEqual(Run(), Run());
    }

    [TestMethod]
    public void CancellationStopsBetweenSteps()
    {
        using var folder = new TempFolder();
        string output = Path.Combine(folder.Path, "model.safetensors");
        torch.manual_seed(1);
        using var model = new TinyMlp(16, 16, 4);
        using var task = new RegressionTask(examples: 64, input: 16, output: 4, seed: 2);
        using var cancellation = new CancellationTokenSource();
        var reporter = new ListReporter { OnStep = p => { if (p.Step == 3) cancellation.Cancel(); } };
        Assert.ThrowsExactly<OperationCanceledException>(() =>
            new TrainingEngine(Regression(OptimizerKind.AdamW, false, false, 1e-2) with { OutputPath = output }).Train(model, task, reporter, cancellation.Token));
        Assert.AreEqual(3, reporter.Steps.Max());
        Assert.IsFalse(File.Exists(output));
    }

    [TestMethod]
    public void BadOptionsAreNamed()
    {
        Assert.AreEqual("BatchSize", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TrainingEngine(new TrainingOptions { BatchSize = 0 })).ParamName);
        Assert.AreEqual("LearningRate", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TrainingEngine(new TrainingOptions { LearningRate = double.NaN })).ParamName);
    }

    private sealed class LatencyReporter : ITrainingReporter
    {
        public List<System.Runtime.GCLatencyMode> Steps { get; } = new();

        public void StepCompleted(TrainingProgress progress) => Steps.Add(System.Runtime.GCSettings.LatencyMode);
    }

    private sealed class ListReporter : ITrainingReporter
    {
        public List<string> Lines { get; } = new();

        public List<EpochSummary> Epochs { get; } = new();

        public List<long> Steps { get; } = new();

        public Action<TrainingProgress>? OnStep { get; init; }

        public void Message(string text) => Lines.Add(text);

        public void EpochCompleted(EpochSummary epoch) => Epochs.Add(epoch);

        public void StepCompleted(TrainingProgress progress)
        {
            Steps.Add(progress.Step);
            OnStep?.Invoke(progress);
        }
    }

    private sealed class LiveTensorCounter : ITrainingReporter
    {
        public List<long> Counts { get; } = new();

        // No GC here: finalizers would hide a missing dispose scope.
        public void StepCompleted(TrainingProgress progress) => Counts.Add(torch.Tensor.TotalCount);
    }
}
