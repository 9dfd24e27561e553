namespace Microsoft.ML.TempBalance.Schedules;

internal static class ScheduleArguments
{
    public static double LearningRate(double value, string name) =>
        value >= 0 && double.IsFinite(value)
            ? value
            : throw new ArgumentOutOfRangeException(name, value, "The learning rate must be a non-negative finite number.");
}
