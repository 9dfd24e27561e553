namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>The task of an experiment: exactly one of a PDE task (FNO or UNet) and a text task (RoBERTa or BERT).</summary>
public sealed record ExperimentTask
{
    /// <summary>A neural PDE solver task.</summary>
    public PdeTaskSpec? Pde { get; init; }

    /// <summary>A text classification or similarity task (RoBERTa or BERT).</summary>
    public TextTaskSpec? Text { get; init; }

    /// <summary>The reported metric (lower is better).</summary>
    internal string MetricName => Text?.MetricName ?? "nRMSE";

    internal void Validate(string source, string folder, IReadOnlyList<double> ratios)
    {
        if ((Pde is null) == (Text is null))
        {
            throw new InvalidDataException($"'{source}': the task needs exactly one of task.pde and task.text.");
        }

        Pde?.Validate(source, folder, ratios);
        Text?.Validate(source, folder, ratios);
    }
}
