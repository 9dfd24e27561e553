using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Cli;
using Microsoft.ML.TempBalance.SciML;
using Microsoft.ML.TempBalance.SciML.Generators;
using Microsoft.ML.TempBalance.SciML.MLNet;
using Microsoft.ML.TempBalance.Spectral;
using Microsoft.ML.TempBalance.Tests.SciML;
using Microsoft.ML.TempBalance.Tests.Text;
using Microsoft.ML.TempBalance.Tests.Training;
using Microsoft.ML.TempBalance.Text;
using Microsoft.ML.TempBalance.Training;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Reliability;

/// <summary>
/// The trainers a user runs for hours: fitted, killed after an epoch, fitted again with Resume from a fresh MLContext,
/// they end with exactly the weights (and predictions) of an uninterrupted fit.
/// </summary>
[TestClass]
public sealed class ResumableTrainingTests
{
    private const int N = DarcyRow.N;

    private sealed class TextRow
    {
        public string Sentence1 { get; set; } = "";

        public string Label { get; set; } = "";
    }

    [TestMethod]
    public void KilledFourierNeuralOperatorFitResumesToTheUninterruptedWeights()
    {
        using var folder = new TempFolder();
        // No validation set: the last epoch's weights are the model, so training after the resume decides them (with
        // one, the best epoch could fall before the kill and hide a wrong resume).
        PdeRegressionTransformer Fit(ITrainingReporter? reporter, TrainingCheckpointOptions? state, int dataSeed = 1, int? seed = 3, int? contextSeed = 1)
        {
            var ml = new MLContext(seed: contextSeed);
            var options = new PdeRegressionTrainer.Options
            {
                GridShape = new[] { N, N }, Modes = 4, Width = 8, MaxEpochs = 5, BatchSize = 8, LearningRate = 5e-3, StepSizeEpochs = 2, Seed = seed,
                NumberOfThreads = AssemblySetup.TorchThreads, Reporter = reporter, TrainingState = state,
            };
            TempBalanceOptions balance = PdeRegressionTrainer.Defaults.TempBalance() with
            {
                Analyzer = PdeRegressionTrainer.Defaults.TempBalance().Analyzer with { MinEigenvalues = 4 },
                Cadence = BalanceCadence.EverySteps(2),
            };
            return ml.Regression.Trainers.FourierNeuralOperator(options).WithTempBalance(balance).Fit(ml.Data.LoadFromEnumerable(DarcyRow.Generate(24, dataSeed)));
        }

        var state = new TrainingCheckpointOptions { Path = Path.Combine(folder.Path, "fno.state"), Resume = true };
        using PdeRegressionTransformer uninterrupted = Fit(null, null);
        Assert.ThrowsExactly<KillAfterEpoch.SimulatedKillException>(() => Fit(new KillAfterEpoch(3), state));
        Assert.IsTrue(File.Exists(state.Path), "the killed fit left its checkpoint");
        // Other data of the same size (a cross-validation fold, say) must not continue this run.
        var otherData = Assert.ThrowsExactly<ArgumentException>(() => Fit(null, state, dataSeed: 7));
        StringAssert.Contains(otherData.Message, "data = sha256:");
        var steps = new StepCounter();
        using PdeRegressionTransformer resumed = Fit(steps, state);
        Assert.AreEqual(2 * 3, steps.Steps, "the resumed fit trains epochs 4 and 5 only (3 steps each)");
        SameWeights.Assert(uninterrupted.Solver.Model.state_dict(), resumed.Solver.Model.state_dict(), "the resumed FNO");

        // No seed anywhere: each MLContext draws its own, so the resumed fit must take the one the run started with.
        var unseeded = new TrainingCheckpointOptions { Path = Path.Combine(folder.Path, "unseeded.state"), Resume = true };
        Assert.ThrowsExactly<KillAfterEpoch.SimulatedKillException>(() => Fit(new KillAfterEpoch(2), unseeded, seed: null, contextSeed: null));
        int started = TrainingCheckpoint.SeedToResume(unseeded) ?? throw new AssertFailedException("the checkpoint records its seed");
        using PdeRegressionTransformer continued = Fit(null, unseeded, seed: null, contextSeed: null);
        using PdeRegressionTransformer reference = Fit(null, null, seed: started);
        SameWeights.Assert(reference.Solver.Model.state_dict(), continued.Solver.Model.state_dict(), "the resumed unseeded FNO");
    }

    [TestMethod]
    public void KilledTextClassificationFitResumesToTheUninterruptedWeightsAndPredictions()
    {
        using var folder = new TempFolder();
        string checkpoint = TinyBertFiles.Write(folder.File("bert"), new TinyBertVariant { Labels = 0 });
        List<TextRow> rows = TextRows();
        (ITransformer Model, TextTransformer Text) Fit(ITrainingReporter? reporter, TrainingCheckpointOptions? state)
        {
            var ml = new MLContext(seed: 1);
            var options = new EncoderTextClassificationTrainer.Options
            {
                Checkpoint = checkpoint, MaxEpochs = 4, BatchSize = 8, LearningRate = 3e-3, Seed = 2, NumberOfThreads = AssemblySetup.TorchThreads,
                // Block-wise TB_Sigmoid every 2 steps (3 steps per epoch), so factors set before the kill are still in force after it.
                TempBalance = EncoderTextClassificationTrainer.Defaults.TempBalance() with
                {
                    Analyzer = new SpectralAnalyzerOptions { XminPosition = 1.5, MinEigenvalues = 4 },
                    Cadence = BalanceCadence.EverySteps(2),
                },
                Reporter = reporter,
                TrainingState = state,
            };
            var chain = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.TextClassification(options)).Fit(ml.Data.LoadFromEnumerable(rows));
            return (chain, chain.LastTransformer);
        }

        var state = new TrainingCheckpointOptions { Path = Path.Combine(folder.Path, "text.state"), Resume = true };
        (ITransformer uninterrupted, TextTransformer uninterruptedText) = Fit(null, null);
        Assert.ThrowsExactly<KillAfterEpoch.SimulatedKillException>(() => Fit(new KillAfterEpoch(1), state));
        var steps = new StepCounter();
        (ITransformer resumed, TextTransformer resumedText) = Fit(steps, state);
        try
        {
            Assert.AreEqual(3 * 3, steps.Steps, "the resumed fit trains epochs 2 to 4 only (3 steps each)");
            SameWeights.Assert(uninterruptedText.Checkpoint.Model.state_dict(), resumedText.Checkpoint.Model.state_dict(), "the resumed encoder");
            var ml = new MLContext(seed: 9);
            IDataView data = ml.Data.LoadFromEnumerable(rows);
            float[][] expected = uninterrupted.Transform(data).GetColumn<float[]>("Score").ToArray();
            float[][] actual = resumed.Transform(data).GetColumn<float[]>("Score").ToArray();
            for (int i = 0; i < expected.Length; i++)
            {
                CollectionAssert.AreEqual(expected[i], actual[i], $"row {i}");
            }
        }
        finally
        {
            uninterruptedText.Dispose();
            resumedText.Dispose();
        }
    }

    // The CLI's flags: the state file is written, an existing one is never overwritten silently, --resume continues
    // (here from the finished run, so it trains nothing and writes the same weights), and misuse is one line.
    [TestMethod]
    public void PdeTrainCommandWritesRefusesAndResumesItsTrainingState()
    {
        using var folder = new TempFolder();
        string train = folder.File("train.hdf5");
        string test = folder.File("test.hdf5");
        Assert.AreEqual(0, Cli("pde", "generate", "--equation", "darcy", "--samples", "12", "--resolution", "16", "--seed", "1", "--out", train).Code);
        Assert.AreEqual(0, Cli("pde", "generate", "--equation", "darcy", "--samples", "6", "--resolution", "16", "--seed", "2", "--out", test).Code);
        string state = folder.File("run.state");
        string[] common = ["pde", "train", "--data", train, "--test", test, "--temp-balance", "--epochs", "2", "--batch-size", "6", "--modes", "4", "--width", "8", "--threads", "2", "--training-state", state];

        var first = Cli([.. common, "--out", folder.File("first")]);
        Assert.AreEqual(0, first.Code, first.Error);
        StringAssert.Contains(first.Output, "Checkpoint after epoch 2");
        var refused = Cli([.. common, "--out", folder.File("second")]);
        Assert.AreEqual(1, refused.Code);
        StringAssert.Contains(refused.Error, "already holds a training checkpoint");
        Assert.AreEqual(1, refused.Error.Trim().Split('\n').Length, refused.Error);

        var resumed = Cli([.. common, "--resume", "--out", folder.File("second")]);
        Assert.AreEqual(0, resumed.Code, resumed.Error);
        StringAssert.Contains(resumed.Output, "after epoch 2 of 2");
        CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(folder.File("first"), "fno.safetensors")), File.ReadAllBytes(Path.Combine(folder.File("second"), "fno.safetensors")));

        var otherRate = Cli([.. common, "--resume", "--learning-rate", "0.01", "--out", folder.File("third")]);
        Assert.AreEqual(1, otherRate.Code);
        StringAssert.Contains(otherRate.Error, "LearningRate = 0.001");
        var noFile = Cli("pde", "train", "--data", train, "--test", test, "--resume", "--out", folder.File("fourth"));
        Assert.AreEqual(1, noFile.Code);
        StringAssert.Contains(noFile.Error, "need --training-state");
    }

    [TestMethod]
    public void TrainTextCommandWritesRefusesAndResumesItsTrainingState()
    {
        using var folder = new TempFolder();
        string checkpoint = folder.File("ckpt");
        TinyRobertaFiles.Write(checkpoint, labels: 0);
        string train = folder.File("train.tsv");
        File.WriteAllText(train, "sentence\tlabel\n" + string.Concat(Enumerable.Range(0, 12).Select(i => i % 2 == 0 ? "hello hello\tpos\n" : "world wow\tneg\n")));
        string state = folder.File("text.state");
        string[] common = ["train-text", "--checkpoint", checkpoint, "--train", train, "--sentence1", "sentence", "--epochs", "2", "--batch-size", "4",
            "--learning-rate", "0.01", "--tempbalance", "--threads", "2", "--training-state", state];

        var first = Cli([.. common, "--out", folder.File("first.zip")]);
        Assert.AreEqual(0, first.Code, first.Error);
        StringAssert.Contains(first.Output, "Checkpoint after epoch 2");
        var refused = Cli([.. common, "--out", folder.File("second.zip")]);
        Assert.AreEqual(1, refused.Code);
        StringAssert.Contains(refused.Error, "already holds a training checkpoint");
        var resumed = Cli([.. common, "--resume", "--out", folder.File("second.zip")]);
        Assert.AreEqual(0, resumed.Code, resumed.Error);
        StringAssert.Contains(resumed.Output.Replace("\n", " ", StringComparison.Ordinal), "Resumed from", resumed.Output);

        // The resumed (here: finished) run saves a model that predicts exactly as the first.
        foreach (string name in new[] { "first", "second" })
        {
            Assert.AreEqual(0, Cli("predict", "--model", folder.File(name + ".zip"), "--input", train, "--sentence1", "sentence", "--output", folder.File(name + ".tsv")).Code);
        }

        Assert.AreEqual(File.ReadAllText(folder.File("first.tsv")), File.ReadAllText(folder.File("second.tsv")));
    }

    private sealed class StepCounter : ITrainingReporter
    {
        public int Steps { get; private set; }

        public void StepCompleted(TrainingProgress progress) => Steps++;
    }

    private static (int Code, string Output, string Error) Cli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        return (CliApp.Run(args, output, error), output.ToString(), error.ToString());
    }

    private static List<TextRow> TextRows()
    {
        string[] words = TinyBertFiles.Vocabulary.Where(w => !w.StartsWith('[') && !w.StartsWith("##", StringComparison.Ordinal)).ToArray();
        var random = new Random(4);
        return Enumerable.Range(0, 24).Select(i => new TextRow
        {
            Sentence1 = string.Join(' ', Enumerable.Range(0, 4).Select(_ => words[random.Next(words.Length)])),
            Label = i % 2 == 0 ? "even" : "odd",
        }).ToList();
    }
}
