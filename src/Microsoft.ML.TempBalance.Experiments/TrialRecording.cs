using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.Spectral;
using Microsoft.ML.TempBalance.Training;

namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>What every task's trial shares: the training subset, the grid's optimizer and mapping, and the result record.</summary>
internal static class TrialRecording
{
    /// <summary>Indices of the trial's training examples in a pool of <paramref name="pool"/>: the first ⌊ratio·N⌋, or a seeded random subset (in pool order).</summary>
    public static int[] TrainingIndices(ExperimentSpec spec, Trial trial, int pool)
    {
        int count = Math.Max(1, (int)Math.Floor(trial.Ratio * pool));
        if (spec.Subsampling == Subsampling.First)
        {
            return Enumerable.Range(0, count).ToArray();
        }

        int[] all = Enumerable.Range(0, pool).ToArray();
        new Random(trial.Seed).Shuffle(all);
        return all.Take(count).Order().ToArray();
    }

    /// <summary>The grid's optimizer; <c>default</c> is the task's own (<paramref name="task"/>), and <c>sam</c> wraps it.</summary>
    public static OptimizerSettings Optimizer(string name, OptimizerKind task) => name switch
    {
        "adamW" => new OptimizerSettings { Kind = OptimizerKind.AdamW },
        "adam" => new OptimizerSettings { Kind = OptimizerKind.Adam },
        "sgd" => new OptimizerSettings { Kind = OptimizerKind.Sgd },
        "adaFactor" => new OptimizerSettings { Kind = OptimizerKind.AdaFactor },
        "sam" => new OptimizerSettings { Kind = task, Sam = new SamOptions() },
        _ => new OptimizerSettings { Kind = task },
    };

    /// <summary>The options with the grid's cadence, unless it is <c>task</c> (the trainer's own).</summary>
    public static TempBalanceOptions WithCadence(TempBalanceOptions options, TrialConfiguration configuration) =>
        ExperimentGrid.TryParseCadence(configuration.Cadence, out BalanceCadence? cadence) && cadence is not null ? options with { Cadence = cadence } : options;

    /// <summary>The grid's mapping with its s_low / s_high.</summary>
    public static ILearningRateMapping Mapping(TrialConfiguration configuration) =>
        configuration.Mapping == "linear"
            ? new LinearMapping(configuration.SLow, configuration.SHigh)
            : new SigmoidMapping(configuration.SLow, configuration.SHigh);

    /// <summary>
    /// The trial's record; <paramref name="metric"/> turns the engine's validation value into the reported metric
    /// (lower is better, e.g. 1 − accuracy).
    /// </summary>
    public static TrialResult Result(
        Trial trial, int trainSamples, TrainingResult result, Func<ValidationResult, double> metric, string metricName,
        double test, SpectralReport before, SpectralReport after, TimeSpan elapsed) => new()
    {
        Id = trial.Id,
        Configuration = trial.Configuration,
        Ratio = trial.Ratio,
        Seed = trial.Seed,
        TrainSamples = trainSamples,
        ValidationPerEpoch = result.Epochs.Select(e => metric(e.Validation!)).ToList(),
        BestEpoch = result.BestEpoch,
        Validation = metric(result.BestValidation!),
        Test = test,
        Metric = metricName,
        AlphaBefore = Alphas(before),
        AlphaAfter = Alphas(after),
        AlphaStdBefore = before.Summary.AlphaStd,
        AlphaStdAfter = after.Summary.AlphaStd,
        AlphaStdOverTime = result.BalanceUpdates.Select(u => new[] { (double)u.Step, u.AlphaStd }).ToList(),
        LearningRateFactors = result.BalanceUpdates.Select(u => new FactorSnapshot(u.Step, u.Units.ToDictionary(x => x.Unit, x => x.Factor))).ToList(),
        Seconds = elapsed.TotalSeconds,
    };

    private static Dictionary<string, double> Alphas(SpectralReport report) =>
        report.Layers.Where(l => l.Eligible).ToDictionary(l => l.Name, l => l.Alpha);
}
