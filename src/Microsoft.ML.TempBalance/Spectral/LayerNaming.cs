using System.Text.RegularExpressions;

namespace Microsoft.ML.TempBalance.Spectral;

/// <summary>
/// The naming rules that identify layers, blocks and embeddings, shared by module walks and checkpoint files.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>A <b>block</b> is an element of a module list named <c>layer</c>, <c>layers</c>, <c>h</c>, <c>block</c>
/// or <c>blocks</c>: the path up to and including its index (<c>roberta.encoder.layer.3</c>). The integer of some
/// other container (<c>classifier.0</c>) never makes a block.</item>
/// <item>In a checkpoint, a 2-D tensor named <c>X.weight</c> is a Linear layer X unless the last segment of X
/// contains <c>embed</c> or is <c>wte</c>, <c>wpe</c> or <c>shared</c> (an embedding). 3-D and 4-D
/// <c>X.weight</c> tensors are convolutions (transposed convolutions have the same slice spectra). 1-D tensors
/// (biases, norms) are never layers.</item>
/// <item>LoRA: <c>X.lora_A[.default].weight</c> and <c>X.lora_B[.default].weight</c> attach to the base weight
/// <c>X.weight</c> or <c>X.base_layer.weight</c> (PEFT's names).</item>
/// <item>Fourier spectral weights are parameters named <c>weightsN</c> (PDEBench's FNO).</item>
/// </list>
/// </remarks>
public static partial class LayerNaming
{
    [GeneratedRegex(@"^(?<block>(?:.*\.)?(?:layer|layers|h|block|blocks)\.\d+)(?:\.|$)")]
    private static partial Regex BlockPattern();

    [GeneratedRegex(@"(?:^|\.)weights\d+$")]
    private static partial Regex SpectralWeightPattern();

    /// <summary>The block a layer belongs to, or null.</summary>
    public static string? BlockOf(string layerName)
    {
        Match match = BlockPattern().Match(layerName);
        return match.Success ? match.Groups["block"].Value : null;
    }

    /// <summary>Whether a module path names an embedding table.</summary>
    public static bool IsEmbedding(string moduleName)
    {
        string last = moduleName[(moduleName.LastIndexOf('.') + 1)..];
        return last.Contains("embed", StringComparison.OrdinalIgnoreCase) || last is "wte" or "wpe" or "shared";
    }

    /// <summary>Whether a parameter name is a Fourier layer's spectral weight.</summary>
    public static bool IsSpectralWeight(string parameterName) => SpectralWeightPattern().IsMatch(parameterName);
}
