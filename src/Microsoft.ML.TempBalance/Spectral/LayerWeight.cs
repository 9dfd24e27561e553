using TorchSharp;

namespace Microsoft.ML.TempBalance.Spectral;

/// <summary>One analysable weight found in a model or checkpoint (LoRA factors alongside when present).</summary>
internal sealed record LayerWeight(string Name, LayerKind Kind, string? Block, torch.Tensor Weight, torch.Tensor? LoraA = null, torch.Tensor? LoraB = null);
