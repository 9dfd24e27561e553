using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.TempBalance.IO;

namespace Microsoft.ML.TempBalance.MLNet;

/// <summary>
/// Saves and loads ML.NET pipelines that contain this library's transformers: one zip holding ML.NET's own model,
/// plus, per TempBalance transformer, its weights, tokenizer files and a versioned manifest under
/// <c>TempBalance/&lt;k&gt;/</c>. Plain <c>mlContext.Model.Load</c> on such a file fails with a message pointing here.
/// </summary>
public static class TorchModelOperations
{
    private const string Root = "TempBalance/";
    private const int FormatVersion = 1;

    /// <summary>Saves <paramref name="model"/> (and its input schema) to <paramref name="path"/>, atomically.</summary>
    public static void SaveTorchModel(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string path)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var saved = new List<IPersistentTransformer>();
        AtomicFile.Write(path, stream =>
        {
            using (TorchPlaceholder.BeginSave(saved))
            {
                catalog.Save(model, inputSchema, stream);
            }

            using var zip = new ZipArchive(stream, ZipArchiveMode.Update, leaveOpen: true);
            for (int k = 0; k < saved.Count; k++)
            {
                string folder = Directory.CreateTempSubdirectory("tempbalance-save-").FullName;
                try
                {
                    saved[k].WriteState(folder);
                    string prefix = $"{Root}{k}/";
                    WriteEntry(zip, prefix + "manifest.json", JsonSerializer.SerializeToUtf8Bytes(new Manifest(FormatVersion, saved[k].Kind, PersistedTransformers.TypeNameOf(saved[k]))));
                    foreach (string file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
                    {
                        zip.CreateEntryFromFile(file, prefix + Path.GetFileName(file), CompressionLevel.Fastest);
                    }
                }
                finally
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
        });
    }

    /// <summary>Loads a model saved by <see cref="SaveTorchModel"/> in any process.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not a model zip, or lacks or mangles its entries (ML.NET's or TempBalance's); the message names the file.
    /// </exception>
    public static ITransformer LoadTorchModel(this ModelOperationsCatalog catalog, string path, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No model at '{path}'.", path);
        }

        try
        {
            return Load(catalog, path, out inputSchema);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidDataException or InvalidOperationException or EndOfStreamException
            or ArgumentException or KeyNotFoundException or OverflowException or NotSupportedException or FileNotFoundException
            or FileLoadException or System.Reflection.TargetInvocationException)
        {
            // ML.NET builds transformers by reflection: the real error is inside.
            Exception cause = e is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : e;
            // ML.NET and the zip and JSON readers report a damaged file in their own types and words, without its name.
            if (cause is InvalidDataException && cause.Message.Contains(path, StringComparison.Ordinal))
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(cause).Throw();
            }

            throw new InvalidDataException($"'{path}' is not a readable model saved by SaveTorchModel: {cause.Message.Split('\n')[0]}", cause);
        }
    }

    private static ITransformer Load(ModelOperationsCatalog catalog, string path, out DataViewSchema inputSchema)
    {
        IHostEnvironment environment = CatalogEnvironment.Of(catalog);
        ITransformer loaded;
        using (TorchPlaceholder.BeginLoad())
        {
            loaded = catalog.Load(path, out inputSchema);
        }

        var rebuilt = new List<ITransformer>();
        try
        {
            using (ZipArchive zip = ZipFile.OpenRead(path))
            {
                for (int k = 0; zip.GetEntry($"{Root}{k}/manifest.json") is { } entry; k++)
                {
                    Manifest manifest;
                    using (Stream stream = entry.Open())
                    {
                        manifest = JsonSerializer.Deserialize<Manifest>(stream)
                            ?? throw new InvalidDataException($"'{path}': {entry.FullName} is empty.");
                    }

                    if (manifest.Version != FormatVersion)
                    {
                        throw new InvalidDataException($"'{path}': {entry.FullName} has format version {manifest.Version}; this library reads version {FormatVersion}.");
                    }

                    string folder = Directory.CreateTempSubdirectory("tempbalance-load-").FullName;
                    try
                    {
                        foreach (ZipArchiveEntry file in zip.Entries.Where(e => e.FullName.StartsWith($"{Root}{k}/", StringComparison.Ordinal) && e.Name != "manifest.json"))
                        {
                            file.ExtractToFile(Path.Combine(folder, file.Name));
                        }

                        rebuilt.Add(PersistedTransformers.Load(environment, manifest.Kind, manifest.Type, folder));
                    }
                    finally
                    {
                        Directory.Delete(folder, recursive: true);
                    }
                }
            }

            int next = 0;
            ITransformer result = Replace(loaded, rebuilt, ref next);
            if (next != rebuilt.Count)
            {
                throw new InvalidDataException($"'{path}' holds {rebuilt.Count} TempBalance transformer(s) but its pipeline has {next} placeholder(s).");
            }

            return result;
        }
        catch
        {
            // The models loaded before the failure hold native memory (a whole encoder each): free them now.
            foreach (IDisposable disposable in rebuilt.OfType<IDisposable>())
            {
                disposable.Dispose();
            }

            throw;
        }
    }

    private static ITransformer Replace(ITransformer transformer, List<ITransformer> rebuilt, ref int next)
    {
        if (TorchPlaceholder.Is(transformer))
        {
            if (next >= rebuilt.Count)
            {
                throw new InvalidDataException("The model has more TempBalance placeholders than saved transformers.");
            }

            return rebuilt[next++];
        }

        if (transformer is TransformerChain<ITransformer> chain)
        {
            var scoring = new HashSet<ITransformer>(chain.GetModelFor(TransformerScope.Scoring), ReferenceEqualityComparer.Instance);
            var training = new HashSet<ITransformer>(chain.GetModelFor(TransformerScope.Training), ReferenceEqualityComparer.Instance);
            var testing = new HashSet<ITransformer>(chain.GetModelFor(TransformerScope.Testing), ReferenceEqualityComparer.Instance);
            var members = new List<ITransformer>();
            var scopes = new List<TransformerScope>();
            foreach (ITransformer member in chain)
            {
                scopes.Add((scoring.Contains(member) ? TransformerScope.Scoring : TransformerScope.None)
                    | (training.Contains(member) ? TransformerScope.Training : TransformerScope.None)
                    | (testing.Contains(member) ? TransformerScope.Testing : TransformerScope.None));
                members.Add(Replace(member, rebuilt, ref next));
            }

            return new TransformerChain<ITransformer>(members, scopes);
        }

        return transformer;
    }

    private static void WriteEntry(ZipArchive zip, string name, byte[] content)
    {
        using Stream stream = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        stream.Write(content);
    }

    /// <param name="Version">The format version.</param>
    /// <param name="Kind">The transformer's kind, for people and for models saved before <paramref name="Type"/> existed.</param>
    /// <param name="Type">The transformer's type and assembly (no version); absent in models saved before the package split.</param>
    private sealed record Manifest(int Version, string Kind, string? Type = null);
}
