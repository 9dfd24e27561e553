using System.CommandLine;
using Microsoft.ML.TempBalance.Training;

namespace Microsoft.ML.TempBalance.Cli;

/// <summary>The resumable-training options shared by <c>pde train</c> and <c>train-text</c>.</summary>
internal sealed class TrainingStateOptions
{
    private readonly Option<string?> _path = new("--training-state")
    {
        Description = "Write the resumable training state (weights, optimizer, TempBalance and random state) to this file at epoch ends; a killed run continues from it with --resume and ends with the same weights.",
    };

    private readonly Option<int> _every = new("--training-state-every") { Description = "Epochs between training-state writes (the last epoch is always written).", DefaultValueFactory = _ => 1 };

    private readonly Option<bool> _resume = new("--resume") { Description = "Continue from the --training-state file when it exists (it must come from a run with the same settings)." };

    public void AddTo(System.CommandLine.Command command)
    {
        command.Options.Add(_path);
        command.Options.Add(_every);
        command.Options.Add(_resume);
    }

    /// <exception cref="ArgumentException">--resume or --training-state-every without --training-state.</exception>
    public TrainingCheckpointOptions? Read(ParseResult parsed)
    {
        string? path = parsed.GetValue(_path);
        if (path is null)
        {
            if (parsed.GetValue(_resume) || parsed.GetResult(_every) is { Implicit: false })
            {
                throw new ArgumentException("--resume and --training-state-every need --training-state <file>.");
            }

            return null;
        }

        return new TrainingCheckpointOptions { Path = path, EveryEpochs = parsed.GetValue(_every), Resume = parsed.GetValue(_resume) };
    }
}
