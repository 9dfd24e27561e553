using System.CommandLine;
using System.Globalization;
using Microsoft.ML.TempBalance.Plots;
using Microsoft.ML.TempBalance.Runtime;
using Microsoft.ML.TempBalance.SciML;
using Microsoft.ML.TempBalance.SciML.Data;
using Microsoft.ML.TempBalance.SciML.Generators;
using Microsoft.ML.TempBalance.SciML.Models;
using Microsoft.ML.TempBalance.SciML.Training;
using Microsoft.ML.TempBalance.Spectral;
using Microsoft.ML.TempBalance.Training;
using CliCommand = System.CommandLine.Command;

namespace Microsoft.ML.TempBalance.Cli;

/// <summary><c>tempbalance pde generate|train</c>: PDEBench-style data and FNO training with or without TempBalance.</summary>
internal static class PdeCommand
{
    public static CliCommand Create(TextWriter output, TextWriter error) =>
        new("pde", "Neural PDE solvers: generate PDEBench-style data, train FNO or UNet with or without TempBalance.")
        {
            Generate(output, error),
            Train(output, error),
        };

    private static CliCommand Generate(TextWriter output, TextWriter error)
    {
        var equation = new Option<string>("--equation") { Description = "advection, burgers, cfd1d, cfd2d or darcy.", Required = true };
        equation.AcceptOnlyFromAmong("advection", "burgers", "cfd1d", "cfd2d", "darcy");
        var samples = new Option<int>("--samples") { Required = true };
        var resolution = new Option<int>("--resolution") { Description = "Points per axis in the file.", Required = true };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var frames = new Option<int?>("--frames") { Description = "Frames per sample (default: 201 advection/burgers, 21 cfd1d/cfd2d)." };
        var parameter = new Option<double?>("--parameter") { Description = "beta (advection, darcy), Nu (burgers) or eta = zeta (cfd1d, cfd2d; cfd2d at Mach 0.1); PDEBench's defaults otherwise." };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => Environment.ProcessorCount };
        var outPath = new Option<string>("--out") { Description = "The .hdf5 file to write (PDEBench layout).", Required = true };
        var command = new CliCommand("generate", "Generate a PDE data set in the PDEBench HDF5 layout.") { equation, samples, resolution, seed, frames, parameter, threads, outPath };
        command.SetAction(parsed =>
        {
            try
            {
                int n = parsed.GetValue(samples), r = parsed.GetValue(resolution), s = parsed.GetValue(seed), t = parsed.GetValue(threads);
                double? p = parsed.GetValue(parameter);
                var progress = new LineProgress(output, n);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                PdeDataset data = parsed.GetValue(equation) switch
                {
                    "advection" => PdeGenerators.Advection(n, r, p ?? 0.1, parsed.GetValue(frames) ?? 201, seed: s, threads: t, progress: progress),
                    "burgers" => PdeGenerators.Burgers(n, r, p ?? 0.001, parsed.GetValue(frames) ?? 201, seed: s, threads: t, progress: progress),
                    "cfd1d" => PdeGenerators.CompressibleFlow1D(n, r, p ?? 0.01, p ?? 0.01, parsed.GetValue(frames) ?? 21, seed: s, threads: t, progress: progress),
                    "cfd2d" => PdeGenerators.CompressibleFlow2D(n, r, p ?? 0.01, p ?? 0.01, frames: parsed.GetValue(frames) ?? 21, seed: s, threads: t, progress: progress),
                    _ => PdeGenerators.Darcy(n, r, p ?? 100, seed: s, threads: t, progress: progress),
                };
                PdeBenchHdf5.Write(data, parsed.GetValue(outPath)!);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Wrote {n} {data.Equation} samples to {parsed.GetValue(outPath)} in {clock.Elapsed.TotalSeconds:F1} s ({n / clock.Elapsed.TotalSeconds:F2} samples/s)."));
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static CliCommand Train(TextWriter output, TextWriter error)
    {
        var data = new Option<string>("--data") { Description = "Training file (PDEBench HDF5).", Required = true };
        var test = new Option<string>("--test") { Description = "Test file (PDEBench HDF5). Without --validation it also picks the best epoch, as PDEBench does.", Required = true };
        var validation = new Option<string?>("--validation") { Description = "Validation file (PDEBench HDF5) that picks the best epoch, so the test file is scored once, at the end." };
        var model = new Option<string>("--model") { Description = "fno or unet.", DefaultValueFactory = _ => "fno" };
        model.AcceptOnlyFromAmong("fno", "unet");
        var rollout = new Option<string>("--rollout") { Description = "Autoregressive training: full (BPTT), pushforward or teacher-forcing.", DefaultValueFactory = _ => "full" };
        rollout.AcceptOnlyFromAmong("full", "pushforward", "teacher-forcing");
        var loss = new Option<string>("--loss") { Description = "Training objective: mse (PDEBench) or relative-l2 (Li et al.'s FNO paper, per channel like nRMSE).", DefaultValueFactory = _ => "mse" };
        loss.AcceptOnlyFromAmong(PdeTrainingNames.Losses);
        var normalize = new Option<string>("--normalize") { Description = "Field scaling around the network: none (PDEBench) or pointwise (Li et al.'s per-grid-point Gaussian; saved with the weights).", DefaultValueFactory = _ => "none" };
        normalize.AcceptOnlyFromAmong(PdeTrainingNames.Normalizations);
        var tempBalance = new Option<bool>("--temp-balance") { Description = "TB_Sigmoid per layer, every epoch (the SciML defaults)." };
        var scale = new Option<double>("--s") { Description = "TB_Sigmoid scale s (s_low = s_high).", DefaultValueFactory = _ => 1.0 };
        var trainSamples = new Option<int?>("--train-samples") { Description = "Use the first N training samples (the paper's subsampling)." };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 500 };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 50 };
        var rate = new Option<double>("--learning-rate") { DefaultValueFactory = _ => 1e-3 };
        var weightDecay = new Option<double>("--weight-decay") { DefaultValueFactory = _ => 1e-4 };
        var stepSize = new Option<int>("--step-size") { Description = "Epochs between learning-rate halvings (StepLR).", DefaultValueFactory = _ => 100 };
        var initialStep = new Option<int>("--initial-step") { Description = "Context frames (ignored for darcy: single step).", DefaultValueFactory = _ => 10 };
        var modes = new Option<int>("--modes") { DefaultValueFactory = _ => 12 };
        var width = new Option<int>("--width") { DefaultValueFactory = _ => 20 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => Environment.ProcessorCount };
        var outFolder = new Option<string>("--out") { Description = "Folder for weights, metrics and plots.", Required = true };
        var command = new CliCommand("train", "Train an FNO or UNet on PDEBench-layout data, print the metrics and write plots.")
        {
            data, test, validation, model, rollout, loss, normalize, tempBalance, scale, trainSamples, epochs, batch, rate, weightDecay, stepSize, initialStep, modes, width, seed, threads, outFolder,
        };
        var trainingState = new TrainingStateOptions();
        trainingState.AddTo(command);
        command.SetAction(parsed =>
        {
            try
            {
                TorchRuntime.SetThreadCount(Math.Max(1, parsed.GetValue(threads)));
                PdeDataset train = PdeBenchHdf5.Read(parsed.GetValue(data)!);
                if (parsed.GetValue(trainSamples) is int count)
                {
                    train = train.Subset(0, Math.Min(count, train.Samples));
                }

                PdeDataset testData = PdeBenchHdf5.Read(parsed.GetValue(test)!);
                bool single = train.Equation == "darcy";
                var options = new PdeTrainingOptions
                {
                    ModelKind = parsed.GetValue(model) == "unet" ? PdeModelKind.UNet : PdeModelKind.Fno,
                    Rollout = parsed.GetValue(rollout) switch { "pushforward" => RolloutMode.Pushforward, "teacher-forcing" => RolloutMode.TeacherForcing, _ => RolloutMode.FullRollout },
                    Model = new FnoOptions { Modes = parsed.GetValue(modes), Width = parsed.GetValue(width), InitialStep = single ? 1 : parsed.GetValue(initialStep), Channels = train.Channels.Count },
                    SingleStep = single,
                    Loss = PdeTrainingNames.Loss(parsed.GetValue(loss)!),
                    Normalization = PdeTrainingNames.Normalization(parsed.GetValue(normalize)!),
                    Epochs = parsed.GetValue(epochs),
                    BatchSize = parsed.GetValue(batch),
                    LearningRate = parsed.GetValue(rate),
                    WeightDecay = parsed.GetValue(weightDecay),
                    StepSizeEpochs = parsed.GetValue(stepSize),
                    Seed = parsed.GetValue(seed),
                    Threads = parsed.GetValue(threads),
                    TempBalance = parsed.GetValue(tempBalance) ? PdeTrainingOptions.DefaultTempBalance(parsed.GetValue(scale)) : null,
                    Reporter = new EpochLines(output),
                    TrainingState = trainingState.Read(parsed),
                };
                string folder = parsed.GetValue(outFolder)!;
                Directory.CreateDirectory(folder);
                PdeDataset selection = parsed.GetValue(validation) is string validationPath ? PdeBenchHdf5.Read(validationPath) : testData;
                if (ReferenceEquals(selection, testData))
                {
                    output.WriteLine("The best epoch is picked on the test file (PDEBench's protocol); pass --validation to keep them apart.");
                }

                using PdeSolver solver = PdeSolver.Train(train, selection, options);
                float[] predicted = solver.Predict(testData);
                PdeMetrics metrics = solver.Evaluate(testData, predicted);
                PdeMetrics paper = solver.Evaluate(testData, predicted, includeContextFrames: true);
                string kind = parsed.GetValue(model)!;
                SpectralReport report = new SpectralAnalyzer(PdeTrainingOptions.DefaultTempBalance().Analyzer).Analyze(solver.Model, kind);
                solver.Save(Path.Combine(folder, $"{kind}.safetensors"));
                int last = testData.Times - 1;
                FieldPlots.WritePrediction(
                    new FieldComparison($"{testData.Equation} sample 0, last frame", testData.SpatialShape, testData.Channels, testData.Frame(0, last), testData.Frame(0, last, predicted))
                    { X = testData.SpatialShape.Count == 1 ? testData.SpatialCoordinates[0] : null },
                    folder, "prediction");
                report.WriteFiles(folder);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Test nRMSE {metrics.NormalizedRmse:F5} (with context frames, as the PDEBench paper: {paper.NormalizedRmse:F5}); RMSE {metrics.Rmse:G5}; max error {metrics.MaxError:G5}; alpha std {report.Summary.AlphaStd:F3}."));
                output.WriteLine($"Wrote weights, report.json, layers.csv and plots to {folder}");
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException or TrainingDivergedException)
            {
                error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private sealed class LineProgress(TextWriter output, int total) : IProgress<int>
    {
        private readonly object _sync = new();
        private int _last;

        public void Report(int value)
        {
            lock (_sync)
            {
                int step = Math.Max(1, total / 10);
                if (value == total || value - _last >= step)
                {
                    _last = value;
                    output.WriteLine($"  generated {value}/{total}");
                }
            }
        }
    }

    private sealed class EpochLines(TextWriter output) : ITrainingReporter
    {
        public void Message(string text) => output.WriteLine(text);
    }
}
