namespace Microsoft.ML.TempBalance.Training;

/// <summary>
/// Where and how often a training run writes its resumable state, and whether it continues from it. A checkpoint
/// holds the weights, the optimizer state, the TempBalance state, the random generators' state, the best epoch's
/// weights and the epochs so far; a run resumed from it ends with exactly the weights of an uninterrupted run
/// (same settings, same data, same torch thread count).
/// </summary>
public sealed record TrainingCheckpointOptions
{
    /// <summary>The checkpoint file (safetensors with the run state in its metadata), replaced atomically each time.</summary>
    public required string Path { get; init; }

    /// <summary>Write the checkpoint every this many epochs; the last epoch is always written.</summary>
    public int EveryEpochs { get; init; } = 1;

    /// <summary>
    /// Continue from <see cref="Path"/> when the file exists (after checking it was written by a run with the same
    /// settings); without it, an existing file is refused rather than overwritten.
    /// </summary>
    public bool Resume { get; init; }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            throw new ArgumentException("The checkpoint path is empty.", nameof(Path));
        }

        if (EveryEpochs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(EveryEpochs), EveryEpochs, "EveryEpochs must be at least 1.");
        }
    }
}
