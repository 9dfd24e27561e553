using System.Diagnostics;
using Microsoft.ML.TempBalance.Cli;

namespace Microsoft.ML.TempBalance.Tests.Experiments;

/// <summary>
/// The committed Slurm job file, run the way slurmd runs an array task (bash, in the submission folder, with Slurm's
/// array variables), for each of 4 tasks; the merged report must equal a single-process run. The same file on a real
/// one-node cluster is experiments/jobs/test-slurm-local.sh (root, apt, daemons: not in CI).
/// </summary>
[TestClass]
public sealed class SlurmJobFileTests
{
    [TestMethod]
    public void EachArrayTaskRunsItsShardAndTheMergedReportEqualsOneProcess()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/bin/bash"))
        {
            Assert.Inconclusive("The Slurm job file is a bash script for Linux nodes.");
        }

        string root = RepositoryPaths.Root;
        string spec = Path.Combine(root, "experiments", "jobs", "slurm-test-spec.json");
        string tool = Path.Combine(root, "src", "TempBalance.Cli", "bin", RepositoryPaths.Configuration, "net10.0", "tempbalance.dll");
        Assert.IsTrue(File.Exists(tool), $"{tool} is built with the solution");
        using var folder = new TempFolder();
        string results = folder.File("results");
        for (int task = 0; task < 4; task++)
        {
            (int code, string output) = Task(folder.Path, task, count: 4, spec, results, $"dotnet {tool}");
            Assert.AreEqual(0, code, output);
            StringAssert.Contains(output, $"tempbalance shard {task}/4 of");
            StringAssert.Contains(output, "finished");
        }

        // A resubmitted single task without SHARDS would run shard 3 of 1; the file refuses with what to set.
        (int alone, string aloneOutput) = Task(folder.Path, 3, count: 1, spec, results, $"dotnet {tool}");
        Assert.AreEqual(2, alone, aloneOutput);
        StringAssert.Contains(aloneOutput, "set SHARDS to the full shard count");
        (int missing, string missingOutput) = Task(folder.Path, 0, count: 4, spec, results, "no-such-tempbalance");
        Assert.AreEqual(2, missing, missingOutput);
        StringAssert.Contains(missingOutput, "'no-such-tempbalance' is not on PATH");

        string[] shards = Enumerable.Range(0, 4).Select(i => Path.Combine(results, $"shard-{i}")).ToArray();
        Assert.AreEqual(0, Cli(["experiment", "merge", .. shards, "--out", folder.File("all")]));
        Assert.AreEqual(0, Cli("experiment", "report", folder.File("all"), "--out", folder.File("report-array")));
        Assert.AreEqual(0, Cli("experiment", "run", spec, "--out", folder.File("single"), "--threads", "1"));
        Assert.AreEqual(0, Cli("experiment", "report", folder.File("single"), "--out", folder.File("report-single")));
        string merged = File.ReadAllText(Path.Combine(folder.File("report-array"), "report.md"));
        StringAssert.Contains(merged, "8 trials expected, 8 found, 0 missing");
        Assert.AreEqual(File.ReadAllText(Path.Combine(folder.File("report-single"), "report.md")), merged);
    }

    private static (int Code, string Output) Task(string folder, int task, int count, string spec, string results, string tool)
    {
        var start = new ProcessStartInfo("/bin/bash", [Path.Combine(RepositoryPaths.Root, "experiments", "jobs", "slurm-array.sh")])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["SLURM_ARRAY_TASK_ID"] = task.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["SLURM_ARRAY_TASK_COUNT"] = count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["SLURM_CPUS_PER_TASK"] = "1";
        start.Environment["SPEC"] = spec;
        start.Environment["RESULTS"] = results;
        start.Environment["TEMPBALANCE"] = tool;
        using Process process = Process.Start(start)!;
        System.Threading.Tasks.Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }

    private static int Cli(params string[] args) => CliApp.Run(args, TextWriter.Null, TextWriter.Null);
}
