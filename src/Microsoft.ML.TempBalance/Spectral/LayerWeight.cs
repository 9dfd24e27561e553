using TorchSharp;

namespace Microsoft.ML.TempBalance.Spectral;

/// <summary>One analysable weight found in a model or checkpoint (LoRA factors alongside when present).</summary>
internal sealed record LayerWeight(string Name, LayerKind Kind, string? Block, torch.Tensor Weight, torch.Tensor? LoraA = null, torch.Tensor? LoraB = null)
{
    /// <summary>All spectral weights of a Fourier layer (one per frequency corner), pooled into one ESD; else null.</summary>
    public IReadOnlyList<torch.Tensor>? SpectralParts { get; init; }
}
