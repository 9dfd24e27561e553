using Microsoft.ML.TempBalance.Spectral;

namespace Microsoft.ML.TempBalance.Balancing;

/// <summary>The per-layer score the mapping turns into learning-rate factors. Higher scores get higher rates.</summary>
public enum BalanceMetric
{
    /// <summary>PL_Alpha_Hill (the default and the paper's choice).</summary>
    Alpha,

    /// <summary>Largest eigenvalue of WᵀW.</summary>
    SpectralNorm,

    /// <summary>Frobenius norm squared over spectral norm.</summary>
    StableRank,

    /// <summary>alpha x log10(spectral norm).</summary>
    AlphaWeighted,
}

internal static class BalanceMetricExtensions
{
    public static double Of(this BalanceMetric metric, LayerSpectrum layer) => metric switch
    {
        BalanceMetric.Alpha => layer.Alpha,
        BalanceMetric.SpectralNorm => layer.SpectralNorm,
        BalanceMetric.StableRank => layer.StableRank,
        BalanceMetric.AlphaWeighted => layer.AlphaWeighted,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown balance metric."),
    };
}
