using TorchSharp;

namespace Microsoft.ML.TempBalance.SciML.Models;

/// <summary>
/// PDEBench's FNO1d (see <see cref="FnoModel"/>). Input [batch, x, initialStep·channels] and grid [batch, x, 1];
/// output [batch, x, 1, channels] (one step).
/// </summary>
public sealed class Fno1d : FnoModel
{
    /// <summary>Builds the model.</summary>
    public Fno1d(FnoOptions options)
        : base(nameof(Fno1d), options, 1, (width, modes) => new SpectralConv1d(width, width, modes), width => torch.nn.Conv1d(width, width, 1))
    {
    }
}
