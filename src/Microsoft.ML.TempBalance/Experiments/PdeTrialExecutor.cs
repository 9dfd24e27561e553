using System.Diagnostics;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.SciML;
using Microsoft.ML.TempBalance.SciML.Models;
using Microsoft.ML.TempBalance.SciML.Training;
using Microsoft.ML.TempBalance.Spectral;
using Microsoft.ML.TempBalance.Training;

namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>Runs one trial of a PDE task: subsample, train, evaluate on the fixed test set, record the diagnostics.</summary>
internal static class PdeTrialExecutor
{
    public static TrialResult Run(Trial trial, ExperimentSpec spec, PdeExperimentData data, ITrainingReporter? reporter)
    {
        var clock = Stopwatch.StartNew();
        PdeTaskSpec task = spec.Task.Pde!;
        int[] indices = TrialRecording.TrainingIndices(spec, trial, data.Pool.Samples);
        PdeDataset train = spec.Subsampling == Subsampling.First ? data.Pool.Subset(0, indices.Length) : data.Pool.Select(indices);
        PdeTrainingOptions options = Options(trial, spec, task, data.Pool) with { Reporter = reporter };
        var analyzer = new SpectralAnalyzer(PdeTrainingOptions.DefaultTempBalance().Analyzer);
        SpectralReport before;
        using (var untrained = PdeSolver.CreateUntrained(train, options))
        {
            before = analyzer.Analyze(untrained, "initial");
        }

        using PdeSolver solver = PdeSolver.Train(train, data.Validation, options);
        SpectralReport after = analyzer.Analyze(solver.Model, "trained");
        double test = solver.Evaluate(data.Test).NormalizedRmse;
        return TrialRecording.Result(trial, indices.Length, solver.Result!, v => v.Metric, "nRMSE", test, before, after, clock.Elapsed);
    }

    private static PdeTrainingOptions Options(Trial trial, ExperimentSpec spec, PdeTaskSpec task, PdeDataset shape)
    {
        bool single = shape.Equation == "darcy";
        TrialConfiguration c = trial.Configuration;
        TempBalanceOptions? balance = c.TempBalance ? PdeTrainingOptions.DefaultTempBalance() with { Mapping = TrialRecording.Mapping(c) } : null;
        return new PdeTrainingOptions
        {
            ModelKind = task.Kind,
            Model = new FnoOptions { Modes = task.Modes, Width = task.Width, InitialStep = single ? 1 : task.InitialStep, Channels = shape.Channels.Count },
            UNetFeatures = task.UNetFeatures,
            SingleStep = single,
            Epochs = spec.Epochs,
            BatchSize = c.BatchSize,
            LearningRate = c.LearningRate,
            WeightDecay = task.WeightDecay,
            StepSizeEpochs = task.StepSizeEpochs,
            Optimizer = TrialRecording.Optimizer(c.Optimizer, OptimizerKind.Adam),
            Seed = trial.Seed,
            Threads = task.Threads,
            TempBalance = balance,
        };
    }
}
