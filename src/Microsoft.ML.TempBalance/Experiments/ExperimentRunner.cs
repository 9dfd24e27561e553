using Microsoft.ML.TempBalance.IO;

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
        if (File.Exists(specPath) && File.ReadAllText(specPath) != json)
        {
            throw new InvalidDataException($"'{outFolder}' holds results of a different experiment (its spec.json differs); use another --out folder.");
        }

        AtomicFile.Write(specPath, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(json)));
    }

    /// <summary>Every trial of the experiment, in order.</summary>
    public IReadOnlyList<Trial> Trials { get; }

    /// <summary>Runs the unfinished trials of shard <paramref name="shardIndex"/>/<paramref name="shardCount"/>.</summary>
    /// <param name="shardIndex">0-based shard.</param>
    /// <param name="shardCount">Number of shards.</param>
    /// <param name="log">Progress messages.</param>
    /// <param name="progress">(trials done in this shard, trials in this shard, trial id) after each trial.</param>
    /// <param name="stopAfter">Stop after running this many trials (for tests of resumption).</param>
    /// <param name="cancellation">Stops between trials.</param>
    /// <returns>(run, skipped as finished, re-run because corrupt).</returns>
    public (int Run, int Skipped, int Corrupt) Run(int shardIndex = 0, int shardCount = 1, Action<string>? log = null, IProgress<(int Done, int Total, string Id)>? progress = null, int? stopAfter = null, CancellationToken cancellation = default)
    {
        log ??= _ => { };
        IReadOnlyList<Trial> mine = Trial.Shard(Trials, shardIndex, shardCount);
        PdeExperimentData? pde = null;
        TextExperimentData? text = null;
        int run = 0, skipped = 0, corrupt = 0, done = 0;
        foreach (Trial trial in mine)
        {
            cancellation.ThrowIfCancellationRequested();
            string path = ResultPath(trial);
            if (File.Exists(path))
            {
                if (TrialResult.TryRead(path) is { } existing && existing.Id == trial.Id)
                {
                    skipped++;
                    progress?.Report((++done, mine.Count, trial.Id));
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
                result = PdeTrialExecutor.Run(trial, _spec, pde);
            }
            else
            {
                text ??= TextExperimentData.Prepare(_spec.Task.Text!, _specFolder, _out, log);
                result = TextTrialExecutor.Run(trial, _spec, text);
            }

            AtomicFile.Write(path, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(result.ToJson())));
            run++;
            log(System.FormattableString.Invariant($"Trial {trial.Id}: test {result.Metric} {result.Test:G5} (best epoch {result.BestEpoch + 1}, {result.Seconds:F1} s)"));
            progress?.Report((++done, mine.Count, trial.Id));
        }

        return (run, skipped, corrupt);
    }

    private string ResultPath(Trial trial) => Path.Combine(_out, "trials", trial.Id + ".json");
}
