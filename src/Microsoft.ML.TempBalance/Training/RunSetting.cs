using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML.TempBalance.Balancing;

namespace Microsoft.ML.TempBalance.Training;

/// <summary>
/// One setting that decides a run's trajectory, as text; a checkpoint keeps them so that a resume with other
/// settings (which could not end where the interrupted run would have) is refused by name.
/// </summary>
internal sealed record RunSetting(string Name, string Value)
{
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>The settings of a run of <paramref name="options"/> over this task's data and this grouping.</summary>
    public static List<RunSetting> Of(TrainingOptions options, TempBalanceOptions? balance, ITrainingTask task, ParameterGrouping grouping) => new()
    {
        new("training examples", Text(task.ExampleCount)),
        new("data", task.DataFingerprint ?? "not recorded by the task"),
        new(nameof(TrainingOptions.Epochs), Text(options.Epochs)),
        new(nameof(TrainingOptions.BatchSize), Text(options.BatchSize)),
        new(nameof(TrainingOptions.Seed), Text(options.Seed)),
        new(nameof(TrainingOptions.Shuffle), options.Shuffle.ToString()),
        new(nameof(TrainingOptions.LearningRate), Text(options.LearningRate)),
        new(nameof(TrainingOptions.WeightDecay), Text(options.WeightDecay)),
        new(nameof(TrainingOptions.Schedule), Describe(options.Schedule)),
        new(nameof(TrainingOptions.Optimizer), Describe(options.Optimizer)),
        new(nameof(TrainingOptions.GradientClipNorm), options.GradientClipNorm is { } clip ? Text(clip) : "none"),
        new(nameof(TrainingOptions.KeepBestEpoch), options.KeepBestEpoch.ToString()),
        new(nameof(TrainingOptions.TempBalance), balance is null ? "none" : Describe(balance)),
        new("parameter groups", string.Join("; ", grouping.Groups.Select(g => $"{g.Name} ({g.ParameterNames.Count})"))),
    };

    /// <summary>The first setting of <paramref name="current"/> that <paramref name="saved"/> lacks or holds otherwise; null when they agree.</summary>
    public static (string Name, string Saved, string Current)? FirstDifference(IReadOnlyList<RunSetting> saved, IReadOnlyList<RunSetting> current)
    {
        foreach (RunSetting setting in current)
        {
            string? other = saved.FirstOrDefault(s => s.Name == setting.Name)?.Value;
            if (other != setting.Value)
            {
                return (setting.Name, other ?? "(not recorded)", setting.Value);
            }
        }

        return null;
    }

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    // JSON of the public properties: exact and culture-free (records print doubles in the current culture, and some
    // types, such as the mappings, have no printed form at all).
    private static string Describe(object value) => $"{value.GetType().Name} {JsonSerializer.Serialize(value, value.GetType(), Json)}";

    private static string Describe(TempBalanceOptions balance) => string.Join(", ", new[]
    {
        Describe(balance.Mapping),
        $"metric {balance.Metric}",
        $"unit {balance.Unit}",
        $"cadence {Describe(balance.Cadence)}",
        $"fixed scores {balance.FixedScores}",
        $"target {balance.Target}",
        $"weight-decay mapping {Describe(balance.WeightDecayMapping)}",
        $"normalised factors {balance.NormalizeFactors}",
        $"analyzer {Describe(balance.Analyzer)}",
        $"excluded [{string.Join(' ', balance.ExcludedLayers)}]",
        $"normalisation follows layer {balance.NormalizationFollowsLayer}",
        $"background {balance.BackgroundAnalysis?.ToString() ?? "auto"}",
    });
}
