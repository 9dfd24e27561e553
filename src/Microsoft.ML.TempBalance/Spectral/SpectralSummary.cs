namespace Microsoft.ML.TempBalance.Spectral;

/// <summary>Model-level view: the paper's layer-imbalance diagnostic is <see cref="AlphaStd"/>.</summary>
/// <param name="LayerCount">Layers analysed.</param>
/// <param name="EligibleCount">Layers eligible for balancing.</param>
/// <param name="AlphaMean">Mean alpha over eligible layers.</param>
/// <param name="AlphaStd">Population standard deviation (numpy's default, ddof = 0) of alpha over eligible layers.</param>
/// <param name="BlockAlphaMean">Mean of the block alphas (NaN without blocks).</param>
/// <param name="BlockAlphaStd">Population standard deviation of the block alphas (NaN without blocks).</param>
public sealed record SpectralSummary(int LayerCount, int EligibleCount, double AlphaMean, double AlphaStd, double BlockAlphaMean, double BlockAlphaStd)
{
    internal static (double Mean, double Std) MeanStd(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            return (double.NaN, double.NaN);
        }

        double mean = values.Average();
        double variance = values.Sum(v => (v - mean) * (v - mean)) / values.Count;
        return (mean, Math.Sqrt(variance));
    }
}
