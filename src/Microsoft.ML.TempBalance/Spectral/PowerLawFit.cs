namespace Microsoft.ML.TempBalance.Spectral;

/// <summary>The result of fitting a power law to the tail of an ESD with the Hill estimator.</summary>
/// <param name="Alpha">PL_Alpha_Hill; +inf when the tail is flat, NaN when undefined (e.g. xmin = 0).</param>
/// <param name="Xmin">The eigenvalue starting the tail (NaN when there is none).</param>
/// <param name="XminIndex">Its index in the ascending eigenvalues (-1 when there is none).</param>
/// <param name="KsDistance">The one-sided KS distance of the fit (spec 2.1); NaN when there is no fit.</param>
/// <param name="TailCount">Number of eigenvalues in the tail, xmin included.</param>
public readonly record struct PowerLawFit(double Alpha, double Xmin, int XminIndex, double KsDistance, int TailCount)
{
    /// <summary>No fit: fewer eigenvalues than the strategy needs.</summary>
    public static PowerLawFit None => new(double.NaN, double.NaN, -1, double.NaN, 0);
}
