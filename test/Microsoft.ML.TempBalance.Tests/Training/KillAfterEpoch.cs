using Microsoft.ML.TempBalance.Training;

namespace Microsoft.ML.TempBalance.Tests.Training;

/// <summary>Stands for a killed process: throws out of training once the given epoch (1-based) has finished.</summary>
internal sealed class KillAfterEpoch : ITrainingReporter
{
    private readonly int _epochs;

    public KillAfterEpoch(int epochs) => _epochs = epochs;

    public void EpochCompleted(EpochSummary epoch)
    {
        if (epoch.Epoch + 1 == _epochs)
        {
            throw new SimulatedKillException();
        }
    }

    internal sealed class SimulatedKillException : Exception
    {
    }
}
