using TorchSharp;

namespace Microsoft.ML.TempBalance.SciML.Models;

/// <summary>
/// PDEBench's FNO2d, the model ModelBalancing balances (see <see cref="FnoModel"/>). Input [batch, x, y,
/// initialStep·channels] and grid [batch, x, y, 2]; output [batch, x, y, 1, channels] (one step).
/// </summary>
public sealed class Fno2d : FnoModel
{
    /// <summary>Builds the model.</summary>
    public Fno2d(FnoOptions options)
        : base(nameof(Fno2d), options, 2, (width, modes) => new SpectralConv2d(width, width, modes), width => torch.nn.Conv2d(width, width, 1))
    {
    }
}
