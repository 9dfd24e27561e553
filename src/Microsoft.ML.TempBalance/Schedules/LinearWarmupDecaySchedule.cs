namespace Microsoft.ML.TempBalance.Schedules;

/// <summary>
/// Hugging Face's <c>get_linear_schedule_with_warmup</c>: the rate rises linearly from 0 over the warmup steps,
/// then falls linearly to 0 at <see cref="TotalSteps"/>. Step 0 therefore has rate 0 when there is a warmup,
/// exactly as in Hugging Face.
/// </summary>
public sealed class LinearWarmupDecaySchedule : IBaseSchedule
{
    /// <summary>Creates the schedule with an explicit warmup length.</summary>
    /// <param name="learningRate">Peak learning rate.</param>
    /// <param name="totalSteps">Number of optimizer steps in the whole run.</param>
    /// <param name="warmupSteps">Number of warmup steps (0 to start at the peak).</param>
    public LinearWarmupDecaySchedule(double learningRate, long totalSteps, long warmupSteps)
    {
        LearningRate = ScheduleArguments.LearningRate(learningRate, nameof(learningRate));
        if (totalSteps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "totalSteps must be at least 1.");
        }

        if (warmupSteps < 0 || warmupSteps > totalSteps)
        {
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, $"warmupSteps must be between 0 and totalSteps ({totalSteps}).");
        }

        TotalSteps = totalSteps;
        WarmupSteps = warmupSteps;
    }

    /// <summary>Creates the schedule with warmup = ceil(<paramref name="warmupRatio"/> x total), as Hugging Face's <c>warmup_ratio</c>.</summary>
    public static LinearWarmupDecaySchedule FromRatio(double learningRate, long totalSteps, double warmupRatio)
    {
        if (!(warmupRatio >= 0 && warmupRatio <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(warmupRatio), warmupRatio, "warmupRatio must be between 0 and 1.");
        }

        return new LinearWarmupDecaySchedule(learningRate, totalSteps, (long)Math.Ceiling(warmupRatio * totalSteps));
    }

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; }

    /// <summary>Steps in the run.</summary>
    public long TotalSteps { get; }

    /// <summary>Warmup steps.</summary>
    public long WarmupSteps { get; }

    /// <inheritdoc />
    public double LearningRateAt(long step)
    {
        if (step < WarmupSteps)
        {
            return LearningRate * step / Math.Max(1, WarmupSteps);
        }

        return LearningRate * Math.Max(0.0, (double)(TotalSteps - step) / Math.Max(1, TotalSteps - WarmupSteps));
    }
}
