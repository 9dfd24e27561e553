using Microsoft.ML.TempBalance.Balancing;

namespace Microsoft.ML.TempBalance.Training;

/// <summary>
/// Receives the engine's progress. ML.NET trainers forward it to their channel, the CLI to a progress bar.
/// Every method has an empty default, so implement only what you show.
/// </summary>
public interface ITrainingReporter
{
    /// <summary>A line of text (start, warnings, summaries).</summary>
    void Message(string text)
    {
    }

    /// <summary>After every optimizer step.</summary>
    void StepCompleted(TrainingProgress progress)
    {
    }

    /// <summary>After every epoch (and its validation).</summary>
    void EpochCompleted(EpochSummary epoch)
    {
    }

    /// <summary>After every TempBalance analysis.</summary>
    void Balanced(BalanceUpdate update)
    {
    }
}
