namespace Microsoft.ML.TempBalance.Schedules;

/// <summary>
/// Cosine decay as in the TempBalance reference: min + (rate − min) x ½(1 + cos(π·min(step, T)/T)).
/// </summary>
public sealed class CosineSchedule : IBaseSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="learningRate">Initial learning rate.</param>
    /// <param name="totalSteps">Steps over which the rate decays (T, at least 1).</param>
    /// <param name="minLearningRate">Floor reached at step T (0 by default).</param>
    public CosineSchedule(double learningRate, long totalSteps, double minLearningRate = 0.0)
    {
        LearningRate = ScheduleArguments.LearningRate(learningRate, nameof(learningRate));
        if (totalSteps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "totalSteps must be at least 1.");
        }

        if (!(minLearningRate >= 0 && minLearningRate <= learningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(minLearningRate), minLearningRate, "minLearningRate must be between 0 and learningRate.");
        }

        TotalSteps = totalSteps;
        MinLearningRate = minLearningRate;
    }

    /// <summary>Initial learning rate.</summary>
    public double LearningRate { get; }

    /// <summary>Decay length.</summary>
    public long TotalSteps { get; }

    /// <summary>Final learning rate.</summary>
    public double MinLearningRate { get; }

    /// <inheritdoc />
    public double LearningRateAt(long step)
    {
        double progress = Math.Min(step, TotalSteps) / (double)TotalSteps;
        return MinLearningRate + (LearningRate - MinLearningRate) * 0.5 * (1.0 + Math.Cos(Math.PI * progress));
    }
}
