using System.Text.Json;
using Microsoft.ML.TempBalance.IO;
using Microsoft.ML.TempBalance.Training;

namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>
/// Runs the trials of an experiment (or of one shard) into a results folder: one JSON file per trial, written
/// atomically, so a rerun skips finished trials and a killed run loses at most the trial in progress. A corrupt
/// result file is reported and its trial re-run.
/// </summary>
public sealed class ExperimentRunner
{
    private readonly ExperimentSpec _spec;
    private readonly string _specFolder;
    private readonly string _out;

    /// <summary>Prepares a run; the results folder must be empty or hold the same experiment.</summary>
    /// <exception cref="InvalidDataException">The folder holds results of a different spec.</exception>
    public ExperimentRunner(ExperimentSpec spec, string specFolder, string outFolder)
    {
        _spec = spec ?? throw new ArgumentNullException(nameof(spec));
        _specFolder = specFolder;
        _out = outFolder;
        Trials = Trial.All(spec);
        Directory.CreateDirectory(Path.Combine(outFolder, "trials"));
        string specPath = Path.Combine(outFolder, "spec.json");
        string json = spec.ToJson();
        if (File.Exists(specPath) && !SameExperiment(File.ReadAllText(specPath), json))
        {
            throw new InvalidDataException($"'{outFolder}' holds results of a different experiment (its spec.json differs); use another --out folder.");
        }

        AtomicFile.Write(specPath, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(json)));
    }

    // A folder written before a key was added to the spec schema holds the same experiment if the stored spec, read
    // with the current schema (the new key at its default), serialises as this one; otherwise adding a grid key
    // would strand every finished trial.
    private static bool SameExperiment(string stored, string json)
    {
        if (stored == json)
        {
            return true;
        }

        try
        {
            return ExperimentSpec.FromJson(stored).ToJson() == json;
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>
    /// Copies into this results folder the finished trials of another experiment with the same protocol (task, ratios,
    /// seeds, subsampling, epochs: everything but the name and the grid) whose ids this experiment also has, so that
    /// adding an arm to a finished grid runs only the new trials. A trial's id names its ratio, seed and configuration,
    /// and trials are deterministic, so a copied result is the one this run would compute (its wall time is the
    /// original's). Trials already here are kept.
    /// </summary>
    /// <param name="otherFolder">The other experiment's results folder.</param>
    /// <param name="log">Receives a line with the count.</param>
    /// <param name="shardIndex">Take only this shard's trials (0-based), as <see cref="Run"/> would run them.</param>
    /// <param name="shardCount">Number of shards.</param>
    /// <returns>The number of trials copied.</returns>
    /// <exception cref="InvalidDataException">The folder is not a results folder, or its protocol differs.</exception>
    public int Reuse(string otherFolder, Action<string>? log = null, int shardIndex = 0, int shardCount = 1)
    {
        string otherSpec = Path.Combine(otherFolder, "spec.json");
        if (!File.Exists(otherSpec))
        {
            throw new InvalidDataException($"'{otherFolder}' is not a results folder: it has no spec.json.");
        }

        ExperimentSpec other;
        try
        {
            other = ExperimentSpec.FromJson(File.ReadAllText(otherSpec));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{otherSpec}' is damaged: {e.Message}", e);
        }

        if ((other with { Name = _spec.Name, Grid = _spec.Grid, PerRatio = _spec.PerRatio, MaxTrials = _spec.MaxTrials }).ToJson() != _spec.ToJson())
        {
            throw new InvalidDataException($"'{otherFolder}' ran another protocol than '{_spec.Name}' (task, ratios, seeds, subsampling or epochs differ); only the grid (and perRatio) may differ for its trials to be reused.");
        }

        int copied = 0;
        foreach (Trial trial in Trial.Shard(Trials, shardIndex, shardCount))
        {
            string mine = ResultPath(trial);
            string theirs = Path.Combine(otherFolder, "trials", trial.Id + ".json");
            // The id rounds numbers to 4 digits; the stored configuration, ratio and seed are exact.
            if (File.Exists(mine) || !File.Exists(theirs) || TrialResult.TryRead(theirs) is not { } result || result.Id != trial.Id
                || result.Configuration != trial.Configuration || result.Ratio != trial.Ratio || result.Seed != trial.Seed)
            {
                continue;
            }

            byte[] bytes = File.ReadAllBytes(theirs);
            AtomicFile.Write(mine, stream => stream.Write(bytes));
            copied++;
        }

        log?.Invoke($"Reused {copied} finished trial(s) of '{otherFolder}' ({other.Name}).");
        return copied;
    }

    /// <summary>Every trial of the experiment, in order.</summary>
    public IReadOnlyList<Trial> Trials { get; }

    /// <summary>Runs the unfinished trials of shard <paramref name="shardIndex"/>/<paramref name="shardCount"/>.</summary>
    /// <param name="shardIndex">0-based shard.</param>
    /// <param name="shardCount">Number of shards.</param>
    /// <param name="log">Progress messages.</param>
    /// <param name="progress">Before and after every trial: trials done, the trial, and the time left.</param>
    /// <param name="stopAfter">Stop after running this many trials (for tests of resumption).</param>
    /// <param name="cancellation">Stops between trials.</param>
    /// <param name="trialReporter">Receives the training progress (epochs, steps) of every trial that runs.</param>
    /// <returns>(run, skipped as finished, re-run because corrupt).</returns>
    public (int Run, int Skipped, int Corrupt) Run(
        int shardIndex = 0, int shardCount = 1, Action<string>? log = null, IProgress<ExperimentProgress>? progress = null,
        int? stopAfter = null, CancellationToken cancellation = default, ITrainingReporter? trialReporter = null)
    {
        log ??= _ => { };
        IReadOnlyList<Trial> mine = Trial.Shard(Trials, shardIndex, shardCount);
        bool[] finished = mine.Select(t => File.Exists(ResultPath(t)) && TrialResult.TryRead(ResultPath(t)) is { } r && r.Id == t.Id).ToArray();
        var estimate = new TrialTimeEstimate();
        double? Eta(int from) => estimate.SecondsFor(mine.Skip(from).Where((_, i) => !finished[from + i]).Select(t => t.Ratio));
        PdeExperimentData? pde = null;
        TextExperimentData? text = null;
        int run = 0, skipped = 0, corrupt = 0, done = 0;
        for (int index = 0; index < mine.Count; index++)
        {
            Trial trial = mine[index];
            cancellation.ThrowIfCancellationRequested();
            string path = ResultPath(trial);
            if (File.Exists(path))
            {
                if (finished[index])
                {
                    skipped++;
                    progress?.Report(new ExperimentProgress(++done, mine.Count, trial.Id, TrialEvent.Skipped, Eta(index + 1)));
                    continue;
                }

                corrupt++;
                log($"{path} is corrupt; re-running trial {trial.Id}.");
            }

            if (stopAfter is int limit && run >= limit)
            {
                break;
            }

            TrialResult result;
            if (_spec.Task.Pde is { } pdeTask)
            {
                pde ??= PdeExperimentData.Prepare(pdeTask, _specFolder, _out, log);
                progress?.Report(new ExperimentProgress(done, mine.Count, trial.Id, TrialEvent.Started, Eta(index)));
                result = PdeTrialExecutor.Run(trial, _spec, pde, trialReporter);
            }
            else
            {
                text ??= TextExperimentData.Prepare(_spec.Task.Text!, _specFolder, _out, log);
                progress?.Report(new ExperimentProgress(done, mine.Count, trial.Id, TrialEvent.Started, Eta(index)));
                result = TextTrialExecutor.Run(trial, _spec, text, trialReporter);
            }

            AtomicFile.Write(path, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(result.ToJson())));
            run++;
            estimate.Add(trial.Ratio, result.Seconds);
            log(System.FormattableString.Invariant($"Trial {trial.Id}: test {result.Metric} {result.Test:G5} (best epoch {result.BestEpoch + 1}, {result.Seconds:F1} s)"));
            progress?.Report(new ExperimentProgress(++done, mine.Count, trial.Id, TrialEvent.Finished, Eta(index + 1)));
        }

        return (run, skipped, corrupt);
    }

    private string ResultPath(Trial trial) => Path.Combine(_out, "trials", trial.Id + ".json");
}
