using System.Diagnostics;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.SciML;
using Microsoft.ML.TempBalance.SciML.Models;
using Microsoft.ML.TempBalance.SciML.Training;
using Microsoft.ML.TempBalance.Spectral;

namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>Runs one trial of a PDE task: subsample, train, evaluate on the fixed test set, record the diagnostics.</summary>
internal static class PdeTrialExecutor
{
    public static TrialResult Run(Trial trial, ExperimentSpec spec, PdeExperimentData data)
    {
        var clock = Stopwatch.StartNew();
        PdeTaskSpec task = spec.Task.Pde!;
        int count = Math.Max(1, (int)Math.Floor(trial.Ratio * data.Pool.Samples));
        PdeDataset train = spec.Subsampling == Subsampling.First
            ? data.Pool.Subset(0, count)
            : data.Pool.Select(Enumerable.Range(0, data.Pool.Samples).ToArray().Shuffled(trial.Seed).Take(count).Order().ToArray());
        PdeTrainingOptions options = Options(trial, spec, task, data.Pool);
        var analyzer = new SpectralAnalyzer(PdeTrainingOptions.DefaultTempBalance().Analyzer);
        SpectralReport before;
        using (var untrained = PdeSolver.CreateUntrained(train, options))
        {
            before = analyzer.Analyze(untrained, "initial");
        }

        using PdeSolver solver = PdeSolver.Train(train, data.Validation, options);
        SpectralReport after = analyzer.Analyze(solver.Model, "trained");
        double test = solver.Evaluate(data.Test).NormalizedRmse;
        var result = solver.Result!;
        return new TrialResult
        {
            Id = trial.Id,
            Configuration = trial.Configuration,
            Ratio = trial.Ratio,
            Seed = trial.Seed,
            TrainSamples = count,
            ValidationPerEpoch = result.Epochs.Select(e => e.Validation!.Metric).ToList(),
            BestEpoch = result.BestEpoch,
            Validation = result.BestValidation!.Metric,
            Test = test,
            Metric = "nRMSE",
            AlphaBefore = Alphas(before),
            AlphaAfter = Alphas(after),
            AlphaStdBefore = before.Summary.AlphaStd,
            AlphaStdAfter = after.Summary.AlphaStd,
            AlphaStdOverTime = result.BalanceUpdates.Select(u => new[] { (double)u.Step, u.AlphaStd }).ToList(),
            LearningRateFactors = result.BalanceUpdates.Select(u => new FactorSnapshot(u.Step, u.Units.ToDictionary(x => x.Unit, x => x.Factor))).ToList(),
            Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    private static Dictionary<string, double> Alphas(SpectralReport report) =>
        report.Layers.Where(l => l.Eligible).ToDictionary(l => l.Name, l => l.Alpha);

    private static PdeTrainingOptions Options(Trial trial, ExperimentSpec spec, PdeTaskSpec task, PdeDataset shape)
    {
        bool single = shape.Equation == "darcy";
        TrialConfiguration c = trial.Configuration;
        OptimizerSettings optimizer = c.Optimizer switch
        {
            "adamW" => new OptimizerSettings { Kind = OptimizerKind.AdamW },
            "sgd" => new OptimizerSettings { Kind = OptimizerKind.Sgd },
            "adaFactor" => new OptimizerSettings { Kind = OptimizerKind.AdaFactor },
            "sam" => new OptimizerSettings { Kind = OptimizerKind.Adam, Sam = new SamOptions() },
            _ => new OptimizerSettings { Kind = OptimizerKind.Adam },
        };
        TempBalanceOptions? balance = null;
        if (c.TempBalance)
        {
            ILearningRateMapping mapping = c.Mapping == "linear" ? new LinearMapping(c.SLow, c.SHigh) : new SigmoidMapping(c.SLow, c.SHigh);
            balance = PdeTrainingOptions.DefaultTempBalance() with { Mapping = mapping };
        }

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
            Optimizer = optimizer,
            Seed = trial.Seed,
            Threads = task.Threads,
            TempBalance = balance,
        };
    }

    private static int[] Shuffled(this int[] values, int seed)
    {
        new Random(seed).Shuffle(values);
        return values;
    }
}
