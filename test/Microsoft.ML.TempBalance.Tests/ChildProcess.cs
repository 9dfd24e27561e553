using System.Diagnostics;

namespace Microsoft.ML.TempBalance.Tests;

/// <summary>Runs a program to its end and returns its exit code and everything it printed (standard output, then error).</summary>
internal static class ChildProcess
{
    /// <summary>Far above any run here (the slowest, a text fine-tune, takes under a minute): only a hang reaches it.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    public static (int Code, string Output) Run(string fileName, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(fileName, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} ran for more than {Limit.TotalMinutes} minutes and was stopped.");
        }

        process.WaitForExit();
        return (process.ExitCode, output.Result + error.Result);
    }
}
