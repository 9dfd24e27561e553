namespace Microsoft.ML.TempBalance.Spectral;

/// <summary>
/// FARMS (fixed-aspect-ratio matrix subsampling, spec section 7): the ESD of a Linear layer is pooled over
/// r x c windows (c = floor(r x <see cref="AspectRatio"/>)) of the weight as stored (out x in), instead of the
/// whole matrix. Convolution layers keep the plain ESD under FARMS in this library (the reference's conv rule
/// averages alphas over row blocks; not implemented).
/// </summary>
public sealed record FarmsOptions
{
    /// <summary>Window rows r (reference: 100 for CNNs, 2000 for LLMs).</summary>
    public int RowSamples { get; init; } = 100;

    /// <summary>Q = columns / rows of a window (experiments: 1.0).</summary>
    public double AspectRatio { get; init; } = 1.0;

    /// <summary>Fixed number of window starts per dimension (experiments: 9); null for the step-size mode.</summary>
    public int? WindowsPerDimension { get; init; } = 9;

    /// <summary>Step between window starts when <see cref="WindowsPerDimension"/> is null.</summary>
    public int StepSize { get; init; } = 10;
}
