namespace Microsoft.ML.TempBalance.Schedules;

/// <summary>The same learning rate at every step.</summary>
public sealed class ConstantSchedule : IBaseSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="learningRate">The learning rate (positive, finite).</param>
    public ConstantSchedule(double learningRate)
    {
        LearningRate = ScheduleArguments.LearningRate(learningRate, nameof(learningRate));
    }

    /// <summary>The learning rate.</summary>
    public double LearningRate { get; }

    /// <inheritdoc />
    public double LearningRateAt(long step) => LearningRate;
}
