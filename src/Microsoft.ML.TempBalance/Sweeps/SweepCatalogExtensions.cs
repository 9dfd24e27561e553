using System.Diagnostics;
using Microsoft.ML.Runtime;
using Microsoft.ML.TempBalance.Training;
using static System.FormattableString;

namespace Microsoft.ML.TempBalance.Sweeps;

/// <summary>
/// In-process hyper-parameter sweeps over an <see cref="IDataView"/> (the role of ML.NET's AutoML, which is not
/// served here): learning rate, batch size, TempBalance on/off and its TB_Sigmoid scales, LoRA rank; grid or random
/// search with a trial or time budget; a hold-out split or k-fold cross-validation; progress on ML.NET's log channel.
/// </summary>
public static class SweepCatalogExtensions
{
    /// <summary>
    /// Fits <paramref name="pipeline"/>'s estimator for each trial of <paramref name="space"/> on the training part of
    /// <paramref name="data"/>, scores it on the held-out part with <paramref name="metric"/>, and returns the
    /// leaderboard with the best configuration's model. A trial whose training diverges is ranked last with its error.
    /// </summary>
    /// <param name="ml">The context (its log carries the progress).</param>
    /// <param name="data">Training data; the sweep splits it.</param>
    /// <param name="pipeline">Builds the estimator of a trial, e.g. <c>t =&gt; keys.Append(ml.MulticlassClassification.Trainers.TextClassification(new EncoderTextClassificationTrainer.Options { LearningRate = t.LearningRate, ... }))</c>.</param>
    /// <param name="metric">Scores a trial: <see cref="SweepMetric.MicroAccuracy"/>, <see cref="SweepMetric.Rmse"/> or your own.</param>
    /// <param name="space">The values to try (null: the defaults of <see cref="SweepSpace"/>).</param>
    /// <param name="options">Strategy, budget and validation (null: a grid over the whole space with a 20% hold-out).</param>
    public static SweepResult Sweep(this MLContext ml, IDataView data, Func<SweepTrial, IEstimator<ITransformer>> pipeline, SweepMetric metric, SweepSpace? space = null, SweepOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(metric);
        space ??= new SweepSpace();
        options ??= new SweepOptions();
        IReadOnlyList<SweepTrial> trials = Choose(space.Enumerate(), options);
        IReadOnlyList<(IDataView Train, IDataView Test)> splits = Split(ml, data, options);
        IHost host = ((IHostEnvironment)ml).Register("TempBalanceSweep");
        using IChannel channel = host.Start("Sweep");
        channel.Info(MessageSensitivity.None, $"Sweep: {trials.Count} trial(s), {options.Strategy.ToString().ToLowerInvariant()} search, " +
            (splits.Count > 1 ? $"{splits.Count}-fold cross-validation" : Invariant($"{options.ValidationFraction:P0} held out")) + $", ranked by {metric.Name}.");

        var clock = Stopwatch.StartNew();
        var results = new List<SweepTrialResult>();
        ITransformer? bestModel = null;
        try
        {
            bestModel = Run(pipeline, metric, options, trials, splits, channel, clock, results);
        }
        catch
        {
            Dispose(bestModel);
            throw;
        }

        // Ties go to the trial that ran first, the one whose model the loop kept.
        var leaderboard = results.Where(r => r.Error is null).OrderBy(r => metric.HigherIsBetter ? -r.Score : r.Score).ThenBy(results.IndexOf)
            .Concat(results.Where(r => r.Error is not null)).ToList();
        if (leaderboard.Count == 0 || leaderboard[0].Error is not null)
        {
            Dispose(bestModel);
            throw new InvalidOperationException($"No sweep trial succeeded; the first error: {leaderboard.FirstOrDefault()?.Error ?? "no trial ran within the budget"}.");
        }

        if (options.RefitBest)
        {
            channel.Info(MessageSensitivity.None, $"Sweep: refitting the best configuration ({leaderboard[0].Trial}) on all the data.");
            bestModel = pipeline(leaderboard[0].Trial).Fit(data);
        }

        return new SweepResult(metric, leaderboard, bestModel!);
    }

    // Runs the trials into results; returns the model of the best trial's first fit when RefitBest is off (else null).
    private static ITransformer? Run(Func<SweepTrial, IEstimator<ITransformer>> pipeline, SweepMetric metric, SweepOptions options,
        IReadOnlyList<SweepTrial> trials, IReadOnlyList<(IDataView Train, IDataView Test)> splits, IChannel channel, Stopwatch clock, List<SweepTrialResult> results)
    {
        ITransformer? bestModel = null;
        foreach (SweepTrial trial in trials)
        {
            if (options.TimeBudget is TimeSpan budget && clock.Elapsed >= budget)
            {
                channel.Info(MessageSensitivity.None, $"Sweep: the time budget ran out after {results.Count} trial(s).");
                break;
            }

            var watch = Stopwatch.StartNew();
            SweepTrialResult result;
            ITransformer? firstModel = null;
            try
            {
                var scores = new List<double>();
                foreach ((IDataView train, IDataView test) in splits)
                {
                    ITransformer model = pipeline(trial).Fit(train);
                    bool kept = false;
                    try
                    {
                        scores.Add(metric.Evaluate(model.Transform(test)));
                        if (firstModel is null && !options.RefitBest)
                        {
                            firstModel = model;
                            kept = true;
                        }
                    }
                    finally
                    {
                        if (!kept)
                        {
                            Dispose(model);
                        }
                    }
                }

                double score = scores.Average();
                result = double.IsFinite(score)
                    ? new SweepTrialResult(trial, score, watch.Elapsed.TotalSeconds, null)
                    : new SweepTrialResult(trial, double.NaN, watch.Elapsed.TotalSeconds, $"the {metric.Name} is {score}");
            }
            catch (TrainingDivergedException e)
            {
                Dispose(firstModel);
                firstModel = null;
                result = new SweepTrialResult(trial, double.NaN, watch.Elapsed.TotalSeconds, e.Message);
            }
            catch
            {
                Dispose(firstModel);
                Dispose(bestModel);
                throw;
            }

            bool best = result.Error is null && results.All(r => r.Error is not null || Better(result.Score, r.Score, metric));
            if (best && firstModel is not null)
            {
                Dispose(bestModel);
                bestModel = firstModel;
            }
            else
            {
                Dispose(firstModel);
            }

            results.Add(result);
            channel.Info(MessageSensitivity.None, Invariant($"Sweep trial {results.Count}/{trials.Count} ({trial}): ") +
                (result.Error is null ? Invariant($"{metric.Name} {result.Score:G4}") : $"failed: {result.Error}") + Invariant($" in {result.Seconds:F1} s") + (best ? " (best so far)" : ""));
        }

        return bestModel;
    }

    private static bool Better(double score, double than, SweepMetric metric) => metric.HigherIsBetter ? score > than : score < than;

    private static IReadOnlyList<SweepTrial> Choose(IReadOnlyList<SweepTrial> all, SweepOptions options)
    {
        if (options.MaxTrials is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxTrials, "MaxTrials must be at least 1.");
        }

        if (options.Strategy == SweepStrategy.Grid)
        {
            return all.Take(options.MaxTrials ?? all.Count).ToList();
        }

        int count = options.MaxTrials ?? throw new ArgumentException("A random search needs MaxTrials.", nameof(options));
        SweepTrial[] shuffled = all.ToArray();
        new Random(options.Seed).Shuffle(shuffled);
        return shuffled.Take(count).ToList();
    }

    private static IReadOnlyList<(IDataView Train, IDataView Test)> Split(MLContext ml, IDataView data, SweepOptions options)
    {
        if (options.Folds >= 2)
        {
            return ml.Data.CrossValidationSplit(data, options.Folds, seed: options.Seed).Select(f => (f.TrainSet, f.TestSet)).ToList();
        }

        if (options.Folds == 1 || options.Folds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Folds, "Folds must be 0 (hold-out) or at least 2.");
        }

        if (!(options.ValidationFraction is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ValidationFraction, "ValidationFraction must be in (0, 1).");
        }

        DataOperationsCatalog.TrainTestData split = ml.Data.TrainTestSplit(data, options.ValidationFraction, seed: options.Seed);
        return new[] { (split.TrainSet, split.TestSet) };
    }

    // Fitted TorchSharp models hold native memory: release the ones the sweep does not return.
    private static void Dispose(ITransformer? model)
    {
        IEnumerable<ITransformer> parts = model switch
        {
            null => Array.Empty<ITransformer>(),
            IEnumerable<ITransformer> chain => chain,
            _ => new[] { model },
        };
        foreach (IDisposable disposable in parts.OfType<IDisposable>())
        {
            disposable.Dispose();
        }
    }
}
