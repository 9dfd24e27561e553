using TorchSharp;

namespace Microsoft.ML.TempBalance.Checkpoints;

/// <summary>Saves and loads a TorchSharp module's parameters and buffers (its state dict) as safetensors.</summary>
public static class ModuleCheckpoint
{
    /// <summary>
    /// Writes every parameter and buffer of <paramref name="module"/> under its state-dict name, atomically.
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor holds NaN or infinite values (named); nothing is written.</exception>
    public static void Save(torch.nn.Module module, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        SaveTensors(module.state_dict(), path, metadata);
    }

    /// <summary>Writes named tensors as safetensors, atomically, after checking that they are finite.</summary>
    /// <exception cref="InvalidDataException">A tensor holds NaN or infinite values (named); nothing is written.</exception>
    public static void SaveTensors(IReadOnlyDictionary<string, torch.Tensor> tensors, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        string? bad = FirstNonFinite(tensors);
        if (bad is not null)
        {
            throw new InvalidDataException($"Refusing to save '{path}': tensor '{bad}' holds NaN or infinite values.");
        }

        SafetensorsWriter.Write(path, tensors, metadata ?? new Dictionary<string, string> { ["format"] = "pt" });
    }

    /// <summary>The name of the first floating-point tensor holding NaN or infinite values, or null.</summary>
    public static string? FirstNonFinite(IReadOnlyDictionary<string, torch.Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        using var scope = torch.NewDisposeScope();
        foreach ((string name, torch.Tensor tensor) in tensors)
        {
            if (!tensor.is_floating_point() && !tensor.is_complex())
            {
                continue;
            }

            if (!torch.isfinite(tensor.detach()).all().item<bool>())
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>
    /// Copies tensors from a safetensors file into <paramref name="module"/>'s parameters and buffers, converting
    /// the dtype when the file's differs (e.g. F16 checkpoints into F32 modules).
    /// </summary>
    /// <param name="module">The target module.</param>
    /// <param name="path">A safetensors file.</param>
    /// <param name="strict">When true, every state-dict entry must be in the file and every file tensor in the module.</param>
    /// <param name="companion">
    /// File tensors that belong beside the weights rather than in the module (e.g. normalisation statistics); they are
    /// neither loaded nor counted as unexpected.
    /// </param>
    /// <returns>The state-dict names missing from the file and the file tensors the module does not have.</returns>
    /// <exception cref="InvalidDataException">A tensor's shape differs from the module's (named, with both shapes), or strict loading failed.</exception>
    public static (IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected) Load(torch.nn.Module module, string path, bool strict = true, Func<string, bool>? companion = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        using SafetensorsReader reader = SafetensorsReader.Open(path);
        var state = module.state_dict();
        var missing = state.Keys.Where(name => !reader.Contains(name)).ToList();
        var unexpected = reader.Tensors.Select(t => t.Name).Where(name => !state.ContainsKey(name) && companion?.Invoke(name) != true).ToList();
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
        {
            throw new InvalidDataException(
                $"'{path}' does not match the module: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}].");
        }

        foreach ((string name, torch.Tensor target) in state)
        {
            if (!reader.Contains(name))
            {
                continue;
            }

            SafetensorsTensorInfo info = reader.GetInfo(name);
            if (!info.Shape.SequenceEqual(target.shape))
            {
                throw new InvalidDataException(
                    $"'{path}': tensor '{name}' has shape {info.ShapeText}, but the module expects [{string.Join(", ", target.shape)}].");
            }

            using torch.Tensor loaded = reader.ReadTensor(name);
            using (torch.no_grad())
            {
                target.copy_(loaded);
            }
        }

        return (missing, unexpected);
    }
}
