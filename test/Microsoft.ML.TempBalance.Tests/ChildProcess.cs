using System.Diagnostics;

namespace Microsoft.ML.TempBalance.Tests;

/// <summary>Runs a program to its end and returns its exit code and everything it printed (standard output, then error).</summary>
internal static class ChildProcess
{
    public static (int Code, string Output) Run(string fileName, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(fileName, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }
}
