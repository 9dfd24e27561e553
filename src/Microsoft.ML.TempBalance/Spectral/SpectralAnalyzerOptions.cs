using System.Text.Json.Serialization;

namespace Microsoft.ML.TempBalance.Spectral;

/// <summary>Settings of <see cref="SpectralAnalyzer"/>; the defaults are the TempBalance reference's.</summary>
public sealed record SpectralAnalyzerOptions
{
    /// <summary>How xmin is chosen (default <see cref="XminStrategy.Median"/>).</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<XminStrategy>))]
    public XminStrategy Xmin { get; init; } = XminStrategy.Median;

    /// <summary>For <see cref="XminStrategy.Median"/>: xmin index = floor(N / XminPosition). 2.0 for CNN and
    /// SciML models, 1.5 for the transformer text trainers (spec decision 2).</summary>
    public double XminPosition { get; init; } = 2.0;

    /// <summary>Drop eigenvalues at or below <see cref="ZeroThreshold"/> before fitting (all are kept if none
    /// would remain). Off by default, as in the reference.</summary>
    public bool FilterZeros { get; init; }

    /// <summary>The reference's EVALS_THRESH.</summary>
    public double ZeroThreshold { get; init; } = 1e-5;

    /// <summary>A layer with fewer eigenvalues is reported but not eligible for balancing (50 for text,
    /// 12 for SciML; spec decision 4).</summary>
    public int MinEigenvalues { get; init; } = 50;

    /// <summary>Also analyse embedding tables (never balanced).</summary>
    public bool IncludeEmbeddings { get; init; }

    /// <summary>Also analyse the complex spectral weights of Fourier layers (FNO opt-in mode): one ESD per layer,
    /// pooling all its modes (spec decision 10).</summary>
    /// <remarks>In a diagnostic report they are only measured. In TempBalance options this also balances them, with
    /// the same mapping as the real layers: their pooled ESDs are heavier-tailed, so TB_Sigmoid (s = 1) held them at
    /// 0.32-0.42x the base rate throughout, near the floor of its range, and a 64 x 64 Darcy FNO2d ended 5%, 12% and
    /// 5% worse than plain training at 0.6%, 2.5% and 10% of the data (docs/results.md, issue 20). Balancing them is
    /// not recommended.</remarks>
    public bool IncludeSpectralWeights { get; init; }

    /// <summary>Scale of convolution slices: eigenvalues are multiplied by this (reference: 0.5).</summary>
    public double ConvNormalization { get; init; } = WeightMatrices.DefaultConvNormalization;

    /// <summary>When set, Linear layers use the FARMS windowed ESD.</summary>
    public FarmsOptions? Farms { get; init; }

    /// <summary>Multiplier of B·A in the ESD of LoRA layers. Null (default) uses W + B·A without the alpha/r
    /// scaling, as the reference does (spec decision 9); set alpha/r to analyse the inference weight.</summary>
    public double? LoraScale { get; init; }

    /// <summary>Compute eigenvalues in double precision (slower; the float32 route meets the 1e-3 alpha bar).</summary>
    public bool UseFloat64 { get; init; }

    /// <summary>Threads for the eigensolver; 0 uses torch's current intra-op thread count.</summary>
    public int Threads { get; init; }

    internal void Validate()
    {
        if (!(XminPosition >= 1.0) || double.IsInfinity(XminPosition))
        {
            throw new ArgumentOutOfRangeException(nameof(XminPosition), XminPosition, "XminPosition must be a finite number of at least 1.");
        }

        if (MinEigenvalues < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MinEigenvalues), MinEigenvalues, "MinEigenvalues must not be negative.");
        }

        if (!(ConvNormalization > 0) || double.IsInfinity(ConvNormalization))
        {
            throw new ArgumentOutOfRangeException(nameof(ConvNormalization), ConvNormalization, "ConvNormalization must be a positive finite number.");
        }

        if (Threads < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Threads must be 0 (torch's setting) or positive.");
        }
    }
}
