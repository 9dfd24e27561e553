using TorchSharp;

namespace Microsoft.ML.TempBalance.Spectral;

/// <summary>A module that adds a low-rank update to a frozen dense weight: W + scaling · B·A.</summary>
public interface ILoraAdapted
{
    /// <summary>The frozen base weight W (out x in).</summary>
    torch.Tensor BaseWeight { get; }

    /// <summary>A (r x in).</summary>
    torch.Tensor LoraA { get; }

    /// <summary>B (out x r).</summary>
    torch.Tensor LoraB { get; }

    /// <summary>alpha / r.</summary>
    double Scaling { get; }
}
