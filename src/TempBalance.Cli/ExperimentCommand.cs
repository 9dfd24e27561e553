using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.TempBalance.Experiments;
using Microsoft.ML.TempBalance.Runtime;
using CliCommand = System.CommandLine.Command;

namespace Microsoft.ML.TempBalance.Cli;

/// <summary><c>tempbalance experiment run|merge|report</c>: the low-data protocol, resumable and shardable.</summary>
internal static class ExperimentCommand
{
    public static CliCommand Create(TextWriter output, TextWriter error) =>
        new("experiment", "Low-data experiments: ratios x seeds x grids, FT vs TempBalance, statistics and plots.")
        {
            Run(output, error),
            Merge(output, error),
            Report(output, error),
        };

    private static CliCommand Run(TextWriter output, TextWriter error)
    {
        var spec = new Argument<string>("spec") { Description = "Experiment spec (JSON)." };
        var outFolder = new Option<string>("--out") { Description = "Results folder (created; rerunning skips finished trials).", Required = true };
        var shard = new Option<string>("--shard") { Description = "i/N: run every N-th trial starting at i (0-based), e.g. $SLURM_ARRAY_TASK_ID/8.", DefaultValueFactory = _ => "0/1" };
        var threads = new Option<int>("--threads") { Description = "Torch threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var reuse = new Option<string[]>("--reuse")
        {
            Description = "Results folder of the same protocol with another grid (e.g. before an arm was added): its finished trials that this experiment also has are copied instead of run again.",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new CliCommand("run", "Run the trials of an experiment (or of one shard).") { spec, outFolder, shard, threads, reuse };
        command.SetAction(parsed => Guard(error, () =>
        {
            TorchRuntime.SetThreadCount(Math.Max(1, parsed.GetValue(threads)));
            (int index, int count) = ParseShard(parsed.GetValue(shard)!);
            string path = parsed.GetValue(spec)!;
            ExperimentSpec loaded = ExperimentSpec.Load(path);
            var runner = new ExperimentRunner(loaded, Path.GetDirectoryName(Path.GetFullPath(path))!, parsed.GetValue(outFolder)!);
            foreach (string folder in parsed.GetValue(reuse) ?? Array.Empty<string>())
            {
                runner.Reuse(folder, output.WriteLine, index, count);
            }

            var clock = Stopwatch.StartNew();
            var progress = new ExperimentProgressLines(output, loaded.Epochs);
            (int run, int skipped, int corrupt) = runner.Run(index, count, output.WriteLine, progress, trialReporter: progress);
            output.WriteLine($"Shard {index}/{count}: {run} trial(s) run, {skipped} already finished, {corrupt} corrupt result(s) re-run, in {clock.Elapsed.TotalMinutes:F1} min.");
        }));
        return command;
    }

    private static CliCommand Merge(TextWriter output, TextWriter error)
    {
        var folders = new Argument<string[]>("folders") { Description = "Results folders of the same experiment (e.g. one per shard).", Arity = ArgumentArity.OneOrMore };
        var outFolder = new Option<string>("--out") { Description = "Merged results folder.", Required = true };
        var command = new CliCommand("merge", "Combine results folders of one experiment.") { folders, outFolder };
        command.SetAction(parsed => Guard(error, () =>
        {
            (int merged, IReadOnlyList<string> corrupt) = ExperimentMerge.Merge(parsed.GetValue(folders)!, parsed.GetValue(outFolder)!);
            output.WriteLine($"Merged {merged} trial result(s) into {parsed.GetValue(outFolder)}.");
            foreach (string file in corrupt)
            {
                output.WriteLine($"  corrupt, not merged (rerun the experiment to redo it): {file}");
            }
        }));
        return command;
    }

    private static CliCommand Report(TextWriter output, TextWriter error)
    {
        var results = new Argument<string>("results") { Description = "Results folder." };
        var outFolder = new Option<string>("--out") { Description = "Report folder (report.md and plots).", Required = true };
        var command = new CliCommand("report", "Write the Markdown report with statistics and plots.") { results, outFolder };
        command.SetAction(parsed => Guard(error, () =>
        {
            IReadOnlyList<string> files = ExperimentReport.Write(parsed.GetValue(results)!, parsed.GetValue(outFolder)!);
            output.WriteLine($"Wrote {files[0]}, {files[1]} and {files.Count - 2} plot file(s).");
        }));
        return command;
    }

    private static (int Index, int Count) ParseShard(string text)
    {
        string[] parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count >= 1 && index < count)
        {
            return (index, count);
        }

        throw new ArgumentException($"--shard '{text}' is not i/N with 0 ≤ i < N.");
    }

    private static int Guard(TextWriter error, Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
