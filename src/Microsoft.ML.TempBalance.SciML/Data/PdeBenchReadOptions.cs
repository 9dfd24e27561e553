namespace Microsoft.ML.TempBalance.SciML.Data;

/// <summary>
/// PDEBench's subsampling, applied as strided partial reads (a 50 GB file is never loaded whole):
/// <c>reduced_batch</c> on samples, <c>reduced_resolution_t</c> on frames, <c>reduced_resolution</c> on each spatial
/// axis; plus an optional cap on the number of samples read.
/// </summary>
public sealed record PdeBenchReadOptions
{
    /// <summary>Keep every n-th sample.</summary>
    public int ReducedBatch { get; init; } = 1;

    /// <summary>Keep every n-th frame.</summary>
    public int ReducedResolutionT { get; init; } = 1;

    /// <summary>Keep every n-th point along each spatial axis.</summary>
    public int ReducedResolution { get; init; } = 1;

    /// <summary>Read at most this many samples (after striding); null for all.</summary>
    public int? MaxSamples { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ReducedBatch, 1, nameof(ReducedBatch));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReducedResolutionT, 1, nameof(ReducedResolutionT));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReducedResolution, 1, nameof(ReducedResolution));
        if (MaxSamples is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSamples), MaxSamples, "MaxSamples must be at least 1.");
        }
    }
}
