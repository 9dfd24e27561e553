using System.Text.Json.Serialization;

namespace Microsoft.ML.TempBalance.Spectral;

/// <summary>The ESD metrics of one layer (spec sections 2.1-2.6). All eigenvalue-based metrics use λ = σ² of the
/// (scaled, for convolutions) weight matrices, pooled over slices.</summary>
public sealed record LayerSpectrum
{
    /// <summary>The layer's name: the module path (e.g. <c>encoder.layer.0.attention.self.query</c>).</summary>
    public required string Name { get; init; }

    /// <summary>How the weight became matrices.</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<LayerKind>))]
    public required LayerKind Kind { get; init; }

    /// <summary>The weight's shape.</summary>
    public required IReadOnlyList<long> Shape { get; init; }

    /// <summary>The transformer block (e.g. <c>encoder.layer.3</c>) the layer belongs to, or null.</summary>
    public string? Block { get; init; }

    /// <summary>Number of eigenvalues in the ESD (after the optional zero filter).</summary>
    public int EigenvalueCount { get; init; }

    /// <summary>PL_Alpha_Hill.</summary>
    public double Alpha { get; init; } = double.NaN;

    /// <summary>The eigenvalue starting the fitted tail.</summary>
    public double Xmin { get; init; } = double.NaN;

    /// <summary>Index of <see cref="Xmin"/> among the ascending eigenvalues.</summary>
    public int XminIndex { get; init; } = -1;

    /// <summary>KS distance of the power-law fit.</summary>
    public double KsDistance { get; init; } = double.NaN;

    /// <summary>λ_max = σ_max² (the squared operator norm, as in the reference code).</summary>
    public double SpectralNorm { get; init; } = double.NaN;

    /// <summary>Σλ / λ_max.</summary>
    public double StableRank { get; init; } = double.NaN;

    /// <summary>α · log10 λ_max (WeightWatcher's alpha_weighted, TempBalance's alphahat).</summary>
    public double AlphaWeighted { get; init; } = double.NaN;

    /// <summary>log10 Σλ.</summary>
    public double LogNorm { get; init; } = double.NaN;

    /// <summary>Σλ = ‖W‖_F² (times the convolution normalization for convolutions).</summary>
    public double FrobeniusNormSquared { get; init; } = double.NaN;

    /// <summary>Whether the balancer may use this layer: enough eigenvalues and a finite alpha.</summary>
    public bool Eligible { get; init; }

    /// <summary>Why the layer is or is not eligible.</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<LayerStatus>))]
    public LayerStatus Status { get; init; }

    /// <summary>A human-readable explanation when <see cref="Status"/> is not <see cref="LayerStatus.Ok"/>.</summary>
    public string? Message { get; init; }

    /// <summary>The ascending eigenvalues (kept for plots; not serialised).</summary>
    [JsonIgnore]
    public IReadOnlyList<double> Eigenvalues { get; init; } = Array.Empty<double>();
}
