namespace Microsoft.ML.TempBalance.Text;

/// <summary>
/// LoRA (Hu et al. 2021) on the attention projections: W x + (alpha / r)·B A dropout(x), with A ~ PyTorch's Linear
/// initialisation and B = 0, so training starts from the base model. Only the adapters and the classification head
/// are trained. Defaults are the paper's (rank 8, alpha 16, dropout 0.05, query and value).
/// </summary>
public sealed record LoraOptions
{
    /// <summary>Modules LoRA can adapt in this implementation.</summary>
    public static readonly IReadOnlyList<string> SupportedTargets = new[] { "query", "key", "value" };

    /// <summary>Rank r.</summary>
    public int Rank { get; init; } = 8;

    /// <summary>alpha (the update is scaled by alpha / r).</summary>
    public double Alpha { get; init; } = 16;

    /// <summary>Dropout on the adapter's input.</summary>
    public double Dropout { get; init; } = 0.05;

    /// <summary>Adapted modules, by their last name segment (PEFT's <c>target_modules</c>).</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = new[] { "query", "value" };

    /// <summary>alpha / r.</summary>
    public double Scaling => Alpha / Rank;

    internal void Validate()
    {
        if (Rank < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Rank), Rank, "The LoRA rank must be at least 1.");
        }

        if (!(Alpha > 0) || double.IsInfinity(Alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "LoRA alpha must be a positive finite number.");
        }

        if (!(Dropout >= 0 && Dropout < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, "LoRA dropout must be in [0, 1).");
        }

        string? unknown = TargetModules.FirstOrDefault(t => !SupportedTargets.Contains(t));
        if (TargetModules.Count == 0 || unknown is not null)
        {
            throw new ArgumentOutOfRangeException(nameof(TargetModules), unknown, $"LoRA target modules must be among {string.Join(", ", SupportedTargets)}.");
        }
    }
}
