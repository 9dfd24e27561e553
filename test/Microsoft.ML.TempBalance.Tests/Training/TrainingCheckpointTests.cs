using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.Schedules;
using Microsoft.ML.TempBalance.Spectral;
using Microsoft.ML.TempBalance.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.TempBalance.Tests.Training;

[TestClass]
public sealed class TrainingCheckpointTests
{
    private string _folder = null!;

    [TestInitialize]
    public void Create() => _folder = Directory.CreateTempSubdirectory("tb-checkpoint-").FullName;

    [TestCleanup]
    public void Delete() => Directory.Delete(_folder, recursive: true);

    private static TrainingOptions Options(OptimizerKind kind, bool sam, bool balance) => new()
    {
        Epochs = 6,
        BatchSize = 8,
        Seed = 11,
        LearningRate = kind == OptimizerKind.Sgd ? 5e-2 : 1e-2,
        WeightDecay = 1e-3,
        Threads = AssemblySetup.TorchThreads,
        Schedule = new ScheduleSettings { Kind = ScheduleKind.LinearWarmupDecay, WarmupRatio = 0.1 },
        Optimizer = new OptimizerSettings { Kind = kind, Momentum = 0.9, Sam = sam ? new SamOptions { Rho = 0.05 } : null },
        TempBalance = balance
            ? new TempBalanceOptions
            {
                Unit = BalanceUnit.Layer,
                Analyzer = new SpectralAnalyzerOptions { MinEigenvalues = 8 },
                // Every 3 steps with 5 steps per epoch: analyses fall inside epochs, so factors cross the checkpoint.
                Cadence = BalanceCadence.EverySteps(3),
            }
            : null,
    };

    // A run killed after epoch 2 and resumed in a new model, optimizer and scheduler (built from another seed, so
    // nothing but the checkpoint can make them agree) ends bit for bit where the uninterrupted run ends, with the same
    // per-epoch losses; and writing checkpoints does not change the uninterrupted run either.
    [TestMethod]
    [DataRow(OptimizerKind.AdamW, false, true)]
    [DataRow(OptimizerKind.Adam, false, false)]
    [DataRow(OptimizerKind.Sgd, false, true)]
    [DataRow(OptimizerKind.AdaFactor, false, true)]
    [DataRow(OptimizerKind.AdamW, true, true)]
    public void KilledAndResumedRunEndsWithTheUninterruptedWeights(OptimizerKind kind, bool sam, bool balance)
    {
        using var task = new RegressionTask(examples: 40, input: 16, output: 4, seed: 2);
        TrainingOptions options = Options(kind, sam, balance);

        (Dictionary<string, Tensor> plain, TrainingResult plainResult) = Run(options, task, modelSeed: 1);
        string uninterruptedPath = Path.Combine(_folder, "uninterrupted.safetensors");
        (Dictionary<string, Tensor> uninterrupted, _) = Run(options with { Checkpoint = new TrainingCheckpointOptions { Path = uninterruptedPath } }, task, modelSeed: 1);

        var checkpoint = new TrainingCheckpointOptions { Path = Path.Combine(_folder, "killed.safetensors"), Resume = true };
        Assert.ThrowsExactly<KillAfterEpoch.SimulatedKillException>(() => Run(options with { Checkpoint = checkpoint }, task, modelSeed: 1, new KillAfterEpoch(2)));
        (Dictionary<string, Tensor> resumed, TrainingResult resumedResult) = Run(options with { Checkpoint = checkpoint }, task, modelSeed: 99);

        SameWeights.Assert(plain, uninterrupted, "checkpointing changed the run");
        SameWeights.Assert(plain, resumed, "the resumed run");
        CollectionAssert.AreEqual(plainResult.Epochs.Select(e => e.TrainLoss).ToArray(), resumedResult.Epochs.Select(e => e.TrainLoss).ToArray());
        Assert.AreEqual(plainResult.BestEpoch, resumedResult.BestEpoch);
        Assert.AreEqual(plainResult.Steps, resumedResult.Steps);
        if (balance)
        {
            Assert.AreEqual(plainResult.BalanceUpdates[^1].AlphaStd, resumedResult.BalanceUpdates[^1].AlphaStd);
        }
    }

    // Dropout draws from torch's generator; without its saved state the resumed masks (and weights) would differ.
    [TestMethod]
    public void ResumedRunDrawsTheSameDropoutMasks()
    {
        using var task = new RegressionTask(examples: 40, input: 16, output: 4, seed: 5);
        // Without the best-epoch restore, the final weights are the last epoch's: training after the resume decides them.
        TrainingOptions options = Options(OptimizerKind.AdamW, sam: false, balance: false) with { Epochs = 4, KeepBestEpoch = false };
        (Dictionary<string, Tensor> plain, _) = Run(options, task, modelSeed: 1, dropout: true);
        var checkpoint = new TrainingCheckpointOptions { Path = Path.Combine(_folder, "dropout.safetensors"), Resume = true };
        Assert.ThrowsExactly<KillAfterEpoch.SimulatedKillException>(() => Run(options with { Checkpoint = checkpoint }, task, modelSeed: 1, new KillAfterEpoch(2), dropout: true));
        (Dictionary<string, Tensor> resumed, _) = Run(options with { Checkpoint = checkpoint }, task, modelSeed: 7, dropout: true);
        SameWeights.Assert(plain, resumed, "the resumed dropout run");
    }

    [TestMethod]
    public void CheckpointEveryTwoEpochsResumesFromTheLastWrittenOne()
    {
        using var task = new RegressionTask(examples: 40, input: 16, output: 4, seed: 2);
        TrainingOptions options = Options(OptimizerKind.AdamW, sam: false, balance: true) with { KeepBestEpoch = false };
        (Dictionary<string, Tensor> plain, _) = Run(options, task, modelSeed: 1);
        var checkpoint = new TrainingCheckpointOptions { Path = Path.Combine(_folder, "every2.safetensors"), EveryEpochs = 2, Resume = true };
        // Killed after epoch 3: the file holds epoch 2, so epoch 3 is trained again.
        Assert.ThrowsExactly<KillAfterEpoch.SimulatedKillException>(() => Run(options with { Checkpoint = checkpoint }, task, modelSeed: 1, new KillAfterEpoch(3)));
        var messages = new MessageList();
        (Dictionary<string, Tensor> resumed, _) = Run(options with { Checkpoint = checkpoint }, task, modelSeed: 3, messages);
        SameWeights.Assert(plain, resumed, "resumed from epoch 2");
        Assert.IsTrue(messages.Lines.Any(l => l.Contains("after epoch 2 of 6", StringComparison.Ordinal)), string.Join("\n", messages.Lines));
    }

    // TB_Fix keeps the step-0 scores for the whole run; a resume must not take the scores of its first analysis instead.
    [TestMethod]
    public void FixedScoresSurviveTheResume()
    {
        using var task = new RegressionTask(examples: 40, input: 16, output: 4, seed: 3);
        TrainingOptions options = Options(OptimizerKind.AdamW, sam: false, balance: true) with { KeepBestEpoch = false };
        options = options with { TempBalance = options.TempBalance! with { FixedScores = true, Cadence = BalanceCadence.EveryEpochs(1) } };
        (Dictionary<string, Tensor> plain, _) = Run(options, task, modelSeed: 1);
        var checkpoint = new TrainingCheckpointOptions { Path = Path.Combine(_folder, "fixed.safetensors"), Resume = true };
        Assert.ThrowsExactly<KillAfterEpoch.SimulatedKillException>(() => Run(options with { Checkpoint = checkpoint }, task, modelSeed: 1, new KillAfterEpoch(2)));
        (Dictionary<string, Tensor> resumed, _) = Run(options with { Checkpoint = checkpoint }, task, modelSeed: 8);
        SameWeights.Assert(plain, resumed, "the resumed TB_Fix run");
    }

    [TestMethod]
    public void FinishedCheckpointResumesToTheSameModelWithoutTraining()
    {
        using var task = new RegressionTask(examples: 40, input: 16, output: 4, seed: 2);
        var checkpoint = new TrainingCheckpointOptions { Path = Path.Combine(_folder, "done.safetensors"), Resume = true };
        TrainingOptions options = Options(OptimizerKind.AdamW, sam: false, balance: true) with { Checkpoint = checkpoint };
        (Dictionary<string, Tensor> first, TrainingResult firstResult) = Run(options, task, modelSeed: 1);
        int calls = task.LossCalls;
        (Dictionary<string, Tensor> again, TrainingResult againResult) = Run(options, task, modelSeed: 4);
        Assert.AreEqual(calls, task.LossCalls, "a finished run trains no more steps");
        SameWeights.Assert(first, again, "the finished checkpoint");
        Assert.AreEqual(firstResult.BestEpoch, againResult.BestEpoch);
        Assert.AreEqual(firstResult.Epochs.Count, againResult.Epochs.Count);
    }

    [TestMethod]
    public void ExistingCheckpointWithoutResumeIsRefused()
    {
        using var task = new RegressionTask(examples: 40, input: 16, output: 4, seed: 2);
        string path = Path.Combine(_folder, "exists.safetensors");
        TrainingOptions options = Options(OptimizerKind.AdamW, false, false) with { Epochs = 1, Checkpoint = new TrainingCheckpointOptions { Path = path } };
        Run(options, task, modelSeed: 1);
        byte[] before = File.ReadAllBytes(path);
        var error = Assert.ThrowsExactly<IOException>(() => Run(options, task, modelSeed: 1));
        StringAssert.Contains(error.Message, path);
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path), "the refused run must leave the checkpoint alone");
    }

    [TestMethod]
    public void ResumeWithOtherSettingsNamesTheSetting()
    {
        using var task = new RegressionTask(examples: 40, input: 16, output: 4, seed: 2);
        var checkpoint = new TrainingCheckpointOptions { Path = Path.Combine(_folder, "settings.safetensors"), Resume = true };
        TrainingOptions options = Options(OptimizerKind.AdamW, false, true) with { Checkpoint = checkpoint };
        Assert.ThrowsExactly<KillAfterEpoch.SimulatedKillException>(() => Run(options, task, modelSeed: 1, new KillAfterEpoch(1)));

        var rate = Assert.ThrowsExactly<ArgumentException>(() => Run(options with { LearningRate = 3e-2 }, task, modelSeed: 1));
        StringAssert.Contains(rate.Message, "LearningRate = 0.01");
        var mapping = Assert.ThrowsExactly<ArgumentException>(() => Run(options with { TempBalance = options.TempBalance! with { Mapping = new SigmoidMapping(3, 1) } }, task, modelSeed: 1));
        StringAssert.Contains(mapping.Message, "TempBalance");
        // TorchSharp's own state format would carry beta2 along and load it over the new value; here it is a setting.
        var beta = Assert.ThrowsExactly<ArgumentException>(() => Run(options with { Optimizer = options.Optimizer with { Beta2 = 0.99 } }, task, modelSeed: 1));
        StringAssert.Contains(beta.Message, "Optimizer = ");
        using var other = new RegressionTask(examples: 48, input: 16, output: 4, seed: 2);
        var data = Assert.ThrowsExactly<ArgumentException>(() => Run(options, other, modelSeed: 1));
        StringAssert.Contains(data.Message, "training examples = 40");
    }

    [TestMethod]
    public void CheckpointOfAnotherModelOrDamagedFileIsInvalidData()
    {
        using var task = new RegressionTask(examples: 40, input: 16, output: 4, seed: 2);
        string path = Path.Combine(_folder, "model.safetensors");
        var checkpoint = new TrainingCheckpointOptions { Path = path, Resume = true };
        TrainingOptions options = Options(OptimizerKind.AdamW, false, false) with { Checkpoint = checkpoint };
        Assert.ThrowsExactly<KillAfterEpoch.SimulatedKillException>(() => Run(options, task, modelSeed: 1, new KillAfterEpoch(1)));

        torch.manual_seed(1);
        using (var wider = new TinyMlp(16, 24, 4))
        {
            var error = Assert.ThrowsExactly<InvalidDataException>(() => new TrainingEngine(options).Train(wider, task));
            StringAssert.Contains(error.Message, path);
        }

        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var damaged = Assert.ThrowsExactly<InvalidDataException>(() => Run(options, task, modelSeed: 1));
        StringAssert.Contains(damaged.Message, path);
    }

    private static (Dictionary<string, Tensor> Weights, TrainingResult Result) Run(TrainingOptions options, RegressionTask task, int modelSeed, ITrainingReporter? reporter = null, bool dropout = false)
    {
        torch.manual_seed(modelSeed);
        using nn.Module<Tensor, Tensor> model = dropout ? new DropoutMlp(16, 16, 4) : new TinyMlp(16, 16, 4);
        TrainingResult result = new TrainingEngine(options).Train(model, task, reporter);
        return (model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone()), result);
    }

    private sealed class MessageList : ITrainingReporter
    {
        public List<string> Lines { get; } = new();

        public void Message(string text) => Lines.Add(text);
    }

    private sealed class DropoutMlp : nn.Module<Tensor, Tensor>
    {
        private readonly Linear fc0;
        private readonly Dropout drop;
        private readonly Linear fc1;

        public DropoutMlp(int input, int hidden, int output)
            : base(nameof(DropoutMlp))
        {
            fc0 = nn.Linear(input, hidden);
            drop = nn.Dropout(0.3);
            fc1 = nn.Linear(hidden, output);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => fc1.forward(drop.forward(fc0.forward(x).tanh()));
    }
}
