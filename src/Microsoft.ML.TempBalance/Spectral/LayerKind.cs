namespace Microsoft.ML.TempBalance.Spectral;

/// <summary>What kind of weight a layer's ESD was computed from; decides how the weight becomes matrices.</summary>
public enum LayerKind
{
    /// <summary>A dense (out x in) weight.</summary>
    Linear,

    /// <summary>A Linear layer with LoRA adapters: the ESD is that of W + B·A (spec decision 9).</summary>
    LoraLinear,

    /// <summary>A 1-D convolution (out, in, k): k slices of out x in, scaled by sqrt(0.5), eigenvalues pooled.</summary>
    Conv1d,

    /// <summary>A 2-D convolution (out, in, kh, kw): kh·kw slices of out x in, scaled by sqrt(0.5), pooled.</summary>
    Conv2d,

    /// <summary>A transposed convolution, treated as a convolution of its weight (spec decision 11).</summary>
    ConvTranspose,

    /// <summary>An embedding table (vocabulary x hidden); analysed only on request.</summary>
    Embedding,

    /// <summary>
    /// The complex spectral weight of a Fourier layer (in, out, modes...): per retained mode an in x out complex
    /// matrix, eigenvalues pooled (FNO opt-in mode, spec decision 10).
    /// </summary>
    FourierSpectral,
}
