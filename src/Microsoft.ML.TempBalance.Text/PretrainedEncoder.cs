namespace Microsoft.ML.TempBalance.Text;

/// <summary>
/// A Hugging Face encoder checkpoint folder (RoBERTa or BERT family) to fine-tune: the first argument of the
/// <c>TextClassification</c> and <c>SentenceSimilarity</c> catalog methods. A type of its own, not a string, so that
/// with Microsoft.ML.TorchSharp's namespace imported too no call is ambiguous with, or silently bound to, ML.NET's
/// methods of the same name (whose first parameter is the label column's name).
/// </summary>
public sealed record PretrainedEncoder
{
    private PretrainedEncoder(string folder) => Folder = folder;

    /// <summary>The checkpoint folder (config.json; vocab.json and merges.txt, or vocab.txt; model.safetensors).</summary>
    public string Folder { get; }

    /// <summary>A checkpoint folder; it is read when the trainer fits.</summary>
    /// <exception cref="ArgumentException"><paramref name="folder"/> is null or empty.</exception>
    public static PretrainedEncoder FromFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        return new PretrainedEncoder(folder);
    }

    /// <inheritdoc />
    public override string ToString() => Folder;
}
