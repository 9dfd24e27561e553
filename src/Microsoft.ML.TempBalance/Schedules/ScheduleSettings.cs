namespace Microsoft.ML.TempBalance.Schedules;

/// <summary>
/// Serialisable description of a base schedule, turned into an <see cref="IBaseSchedule"/> once the number of
/// steps is known.
/// </summary>
public sealed record ScheduleSettings
{
    /// <summary>Which schedule.</summary>
    public ScheduleKind Kind { get; init; } = ScheduleKind.LinearWarmupDecay;

    /// <summary>Warmup as a share of all steps (<see cref="ScheduleKind.LinearWarmupDecay"/>); 0.06 as in the paper.</summary>
    public double WarmupRatio { get; init; } = 0.06;

    /// <summary>Epochs between decays (<see cref="ScheduleKind.StepDecay"/>); 100 as in PDEBench.</summary>
    public int StepSizeEpochs { get; init; } = 100;

    /// <summary>Decay factor (<see cref="ScheduleKind.StepDecay"/>); 0.5 as in PDEBench.</summary>
    public double Gamma { get; init; } = 0.5;

    /// <summary>Final rate of <see cref="ScheduleKind.Cosine"/>.</summary>
    public double MinLearningRate { get; init; }

    /// <summary>Builds the schedule for a run.</summary>
    /// <param name="learningRate">Peak or initial learning rate.</param>
    /// <param name="totalSteps">Optimizer steps in the run.</param>
    /// <param name="stepsPerEpoch">Optimizer steps per epoch.</param>
    public IBaseSchedule Create(double learningRate, long totalSteps, long stepsPerEpoch) => Kind switch
    {
        ScheduleKind.Constant => new ConstantSchedule(learningRate),
        ScheduleKind.LinearWarmupDecay => LinearWarmupDecaySchedule.FromRatio(learningRate, totalSteps, WarmupRatio),
        ScheduleKind.StepDecay => StepSizeEpochs >= 1
            ? new StepDecaySchedule(learningRate, StepSizeEpochs * Math.Max(1, stepsPerEpoch), Gamma)
            : throw new ArgumentOutOfRangeException(nameof(StepSizeEpochs), StepSizeEpochs, "StepSizeEpochs must be at least 1."),
        ScheduleKind.Cosine => new CosineSchedule(learningRate, totalSteps, MinLearningRate),
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "Unknown schedule kind."),
    };
}
