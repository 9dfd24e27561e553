namespace Microsoft.ML.TempBalance.Schedules;

/// <summary>
/// A base learning-rate schedule as a pure function of the optimizer step (0-based). TempBalance multiplies
/// its value by each unit's factor after every step, so the schedule must not hold per-group state.
/// </summary>
public interface IBaseSchedule
{
    /// <summary>The base learning rate used by optimizer step <paramref name="step"/> (0 = the first update).</summary>
    double LearningRateAt(long step);
}
