namespace Microsoft.ML.TempBalance.Spectral;

/// <summary>Whether a layer's metrics can be trusted and used for balancing.</summary>
public enum LayerStatus
{
    /// <summary>Finite alpha from enough eigenvalues.</summary>
    Ok,

    /// <summary>Fewer eigenvalues than <see cref="SpectralAnalyzerOptions.MinEigenvalues"/>: reported, not balanced.</summary>
    TooFewEigenvalues,

    /// <summary>Alpha is +inf or NaN (flat tail, all-zero or rank-deficient matrix): reported, not balanced.</summary>
    NonFiniteAlpha,

    /// <summary>The weight holds NaN or Inf: no spectrum; see <see cref="LayerSpectrum.Message"/>.</summary>
    NonFiniteWeights,

    /// <summary>LAPACK's eigensolver did not converge (ill-conditioned weights): no spectrum, reported, not balanced.</summary>
    EigensolverFailed,
}
