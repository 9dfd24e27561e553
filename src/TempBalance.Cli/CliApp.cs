using System.CommandLine;

namespace Microsoft.ML.TempBalance.Cli;

/// <summary>The <c>tempbalance</c> command line: verbs are added here as the library grows.</summary>
internal static class CliApp
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("TempBalance: heavy-tailed spectral diagnostics and layer-wise learning-rate balancing.")
        {
            AnalyzeCommand.Create(output, error),
            PredictCommand.Create(output, error),
            ImportOnnxCommand.Create(output, error),
            TrainTextCommand.Create(output, error),
            PdeCommand.Create(output, error),
            ExperimentCommand.Create(output, error),
        };
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var problem in parsed.Errors)
            {
                error.WriteLine($"error: {problem.Message}");
            }

            return 2;
        }

        return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }
}
