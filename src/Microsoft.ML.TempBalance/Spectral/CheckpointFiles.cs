using System.Text.Json;

namespace Microsoft.ML.TempBalance.Spectral;

/// <summary>Resolves a model path (safetensors file or Hugging Face folder) to the safetensors files to read.</summary>
internal static class CheckpointFiles
{
    public static IReadOnlyList<string> Resolve(string path)
    {
        if (File.Exists(path))
        {
            if (!path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidDataException(
                    $"'{path}' is not a model this tool reads: expected a .safetensors file or a Hugging Face checkpoint folder (config.json + model.safetensors).");
            }

            return new[] { path };
        }

        if (!Directory.Exists(path))
        {
            throw new FileNotFoundException($"'{path}' does not exist: expected a .safetensors file or a Hugging Face checkpoint folder.", path);
        }

        string single = Path.Combine(path, "model.safetensors");
        if (File.Exists(single))
        {
            return new[] { single };
        }

        string index = Path.Combine(path, "model.safetensors.index.json");
        if (File.Exists(index))
        {
            return Shards(index, path);
        }

        string hint = File.Exists(Path.Combine(path, "pytorch_model.bin"))
            ? " It has pytorch_model.bin, a pickle this library does not read: save the model with safetensors (save_pretrained(..., safe_serialization=True))."
            : string.Empty;
        throw new InvalidDataException(
            $"'{path}' is not a Hugging Face checkpoint folder this tool reads: expected model.safetensors or model.safetensors.index.json in it.{hint}");
    }

    private static IReadOnlyList<string> Shards(string index, string folder)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(index));
            if (!document.RootElement.TryGetProperty("weight_map", out JsonElement map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"'{index}' has no 'weight_map' object.");
            }

            var files = map.EnumerateObject().Select(p => p.Value.GetString() ?? string.Empty).Distinct().Order(StringComparer.Ordinal).ToList();
            foreach (string file in files)
            {
                if (file.Length == 0 || file.Contains('/') || file.Contains('\\') || file.Contains(".."))
                {
                    throw new InvalidDataException($"'{index}' names shard '{file}', which is not a file name in the checkpoint folder.");
                }
            }

            return files.Select(f => Path.Combine(folder, f)).ToList();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{index}' is not valid JSON: {e.Message}", e);
        }
    }
}
