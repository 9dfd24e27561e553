namespace Microsoft.ML.TempBalance.Schedules;

/// <summary>The base learning-rate schedules a trainer can be configured with.</summary>
public enum ScheduleKind
{
    /// <summary><see cref="ConstantSchedule"/>.</summary>
    Constant,

    /// <summary><see cref="LinearWarmupDecaySchedule"/> (the text trainers' default).</summary>
    LinearWarmupDecay,

    /// <summary><see cref="StepDecaySchedule"/> (the PDE trainers' default).</summary>
    StepDecay,

    /// <summary><see cref="CosineSchedule"/>.</summary>
    Cosine,
}
