using Microsoft.ML.TempBalance.Spectral;

namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>
/// The std of PL_Alpha_Hill across blocks, from a trial's recorded per-layer alphas: a block's alpha is the mean of
/// its layers' (blocks as <see cref="LayerNaming.BlockOf"/> finds them). That is <see cref="SpectralSummary.BlockAlphaStd"/>
/// for models whose block layers are all Linear, as an encoder's are; trial files from before this existed have the
/// alphas but not the block spread.
/// </summary>
internal static class BlockSpread
{
    /// <summary>Population std of the block alphas; NaN when no layer belongs to a block (an FNO, say).</summary>
    public static double Of(IReadOnlyDictionary<string, double> layerAlphas)
    {
        List<double> blocks = layerAlphas
            .Select(layer => (Block: LayerNaming.BlockOf(layer.Key), Alpha: layer.Value))
            .Where(layer => layer.Block is not null)
            .GroupBy(layer => layer.Block!, StringComparer.Ordinal)
            .Select(block => block.Average(layer => layer.Alpha))
            .ToList();
        return SpectralSummary.MeanStd(blocks).Std;
    }
}
