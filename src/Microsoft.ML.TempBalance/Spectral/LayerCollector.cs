using TorchSharp;
using TorchSharp.Modules;

namespace Microsoft.ML.TempBalance.Spectral;

/// <summary>Finds the analysable weights of a module or of a flat set of named tensors (a checkpoint).</summary>
internal static class LayerCollector
{
    public static List<LayerWeight> FromModule(torch.nn.Module module, SpectralAnalyzerOptions options)
    {
        var layers = new List<LayerWeight>();
        foreach ((string name, torch.nn.Module child) in module.named_modules())
        {
            string? block = LayerNaming.BlockOf(name);
            switch (child)
            {
                case ILoraAdapted lora:
                    layers.Add(new LayerWeight(name, LayerKind.LoraLinear, block, lora.BaseWeight, lora.LoraA, lora.LoraB));
                    continue;
                case Linear linear:
                    layers.Add(new LayerWeight(name, LayerKind.Linear, block, linear.weight!));
                    continue;
                case Conv1d conv1:
                    layers.Add(new LayerWeight(name, LayerKind.Conv1d, block, conv1.weight!));
                    continue;
                case Conv2d conv2:
                    layers.Add(new LayerWeight(name, LayerKind.Conv2d, block, conv2.weight!));
                    continue;
                case ConvTranspose1d transposed1:
                    layers.Add(new LayerWeight(name, LayerKind.ConvTranspose, block, transposed1.weight!));
                    continue;
                case ConvTranspose2d transposed2:
                    layers.Add(new LayerWeight(name, LayerKind.ConvTranspose, block, transposed2.weight!));
                    continue;
                case Embedding embedding when options.IncludeEmbeddings:
                    layers.Add(new LayerWeight(name, LayerKind.Embedding, block, embedding.weight!));
                    continue;
            }

            if (options.IncludeSpectralWeights)
            {
                // One layer per Fourier layer: every frequency corner's modes (weights1, weights2, ...) in one ESD, as
                // a convolution pools its kernel positions (spec decision 10).
                var parts = child.named_parameters(recurse: false).Where(p => LayerNaming.IsSpectralWeight(p.name)).ToList();
                if (parts.Count > 0)
                {
                    layers.Add(Fourier(name.Length == 0 ? parts[0].name : name, block, parts.Select(p => (torch.Tensor)p.parameter).ToList()));
                }
            }
        }

        return layers;
    }

    /// <summary>Which tensors of a checkpoint are needed, by name: every candidate weight and LoRA factor.</summary>
    public static bool IsCandidateTensor(string name, IReadOnlyList<long> shape) =>
        (name.EndsWith(".weight", StringComparison.Ordinal) || name == "weight" || LayerNaming.IsSpectralWeight(name))
        && shape.Count >= 2;

    public static List<LayerWeight> FromTensors(IReadOnlyDictionary<string, torch.Tensor> tensors, SpectralAnalyzerOptions options)
    {
        var layers = new List<LayerWeight>();
        var fourierModules = new HashSet<string>(StringComparer.Ordinal);
        // A checkpoint's header order is alphabetical; numeric-aware order puts layer.2 before layer.10.
        foreach ((string name, torch.Tensor tensor) in tensors.OrderBy(t => t.Key, NaturalNameComparer.Instance))
        {
            if (LayerNaming.IsSpectralWeight(name))
            {
                // The first corner of a Fourier layer brings its siblings (same module, weightsN).
                string owner = ModuleOf(name);
                if (options.IncludeSpectralWeights && fourierModules.Add(owner))
                {
                    var parts = tensors.Where(t => LayerNaming.IsSpectralWeight(t.Key) && ModuleOf(t.Key) == owner)
                        .OrderBy(t => t.Key, NaturalNameComparer.Instance).Select(t => t.Value).ToList();
                    layers.Add(Fourier(owner.Length == 0 ? name : owner, LayerNaming.BlockOf(name), parts));
                }

                continue;
            }

            if (!name.EndsWith(".weight", StringComparison.Ordinal) || tensor.dim() < 2 || IsLoraFactor(name))
            {
                continue;
            }

            string module = name[..^".weight".Length];
            if (module.EndsWith(".base_layer", StringComparison.Ordinal))
            {
                module = module[..^".base_layer".Length];
            }

            string? block = LayerNaming.BlockOf(module);
            torch.Tensor? loraA = Find(tensors, $"{module}.lora_A.weight", $"{module}.lora_A.default.weight");
            torch.Tensor? loraB = Find(tensors, $"{module}.lora_B.weight", $"{module}.lora_B.default.weight");
            switch (tensor.dim())
            {
                case 2 when loraA is not null && loraB is not null:
                    layers.Add(new LayerWeight(module, LayerKind.LoraLinear, block, tensor, loraA, loraB));
                    break;
                case 2 when LayerNaming.IsEmbedding(module):
                    if (options.IncludeEmbeddings)
                    {
                        layers.Add(new LayerWeight(module, LayerKind.Embedding, block, tensor));
                    }

                    break;
                case 2:
                    layers.Add(new LayerWeight(module, LayerKind.Linear, block, tensor));
                    break;
                case 3:
                    layers.Add(new LayerWeight(module, LayerKind.Conv1d, block, tensor));
                    break;
                case 4:
                    layers.Add(new LayerWeight(module, LayerKind.Conv2d, block, tensor));
                    break;
            }
        }

        return layers;
    }

    private static string ModuleOf(string parameterName) =>
        parameterName.Contains('.') ? parameterName[..parameterName.LastIndexOf('.')] : "";

    private static LayerWeight Fourier(string name, string? block, IReadOnlyList<torch.Tensor> parts) =>
        new(name, LayerKind.FourierSpectral, block, parts[0]) { SpectralParts = parts };

    private static bool IsLoraFactor(string name) =>
        name.Contains(".lora_A.", StringComparison.Ordinal) || name.Contains(".lora_B.", StringComparison.Ordinal);

    private static torch.Tensor? Find(IReadOnlyDictionary<string, torch.Tensor> tensors, params string[] names)
    {
        foreach (string name in names)
        {
            if (tensors.TryGetValue(name, out torch.Tensor? tensor))
            {
                return tensor;
            }
        }

        return null;
    }
}
