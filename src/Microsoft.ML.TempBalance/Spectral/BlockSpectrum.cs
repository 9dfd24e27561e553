namespace Microsoft.ML.TempBalance.Spectral;

/// <summary>A transformer block's alpha: the mean alpha of its eligible Linear layers (spec decision 7).</summary>
/// <param name="Name">The block's module path, e.g. <c>roberta.encoder.layer.3</c>.</param>
/// <param name="Alpha">Mean alpha of its eligible Linear (and LoRA Linear) layers; NaN when none is eligible.</param>
/// <param name="LayerCount">Number of layers whose alpha went into the mean.</param>
public sealed record BlockSpectrum(string Name, double Alpha, int LayerCount);
