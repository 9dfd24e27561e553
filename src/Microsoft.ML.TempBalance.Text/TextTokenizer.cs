using Microsoft.ML.TempBalance.IO;

namespace Microsoft.ML.TempBalance.Text;

/// <summary>
/// The tokenizer of an encoder checkpoint: turns one text or a text pair into ids with the family's special tokens,
/// truncated longest-first, and copies its files into a checkpoint folder.
/// </summary>
public abstract class TextTokenizer
{
    private protected TextTokenizer()
    {
    }

    /// <summary>The padding id.</summary>
    public abstract int PadId { get; }

    /// <summary>
    /// Ids and token types of one input with special tokens, or of a pair; the longer text loses tokens from its end
    /// (on a tie, the second) until the result fits <paramref name="maxLength"/> (Hugging Face's <c>longest_first</c>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> leaves no room for one token besides the special tokens.</exception>
    public abstract EncodedText Encode(string first, string? second, int maxLength);

    /// <summary>Token ids of a text, without special tokens.</summary>
    public abstract IReadOnlyList<int> Tokenize(string text);

    /// <summary>Text of ids (special tokens dropped).</summary>
    public abstract string Decode(IEnumerable<int> ids);

    /// <summary>Writes the tokenizer's files into a checkpoint folder (each atomically).</summary>
    public abstract void SaveTo(string folder);

    /// <summary>The tokenizer of a Hugging Face checkpoint folder of the given family.</summary>
    /// <exception cref="FileNotFoundException">A tokenizer file is missing (named).</exception>
    public static TextTokenizer Load(string folder, EncoderFamily family) => family switch
    {
        EncoderFamily.Roberta => RobertaTokenizer.Load(Path.Combine(folder, "vocab.json"), Path.Combine(folder, "merges.txt")),
        EncoderFamily.Bert => BertWordPieceTokenizer.Load(Path.Combine(folder, "vocab.txt"), Path.Combine(folder, "tokenizer_config.json")),
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "Unknown encoder family."),
    };

    /// <summary>Truncates two token lists longest-first (one token at a time from the longer; on a tie from the second) until they fit <paramref name="room"/>.</summary>
    private protected static void TruncateLongestFirst(List<int> first, List<int> second, int room)
    {
        while (first.Count + second.Count > room)
        {
            if (first.Count > second.Count)
            {
                first.RemoveAt(first.Count - 1);
            }
            else
            {
                second.RemoveAt(second.Count - 1);
            }
        }
    }

    private protected static void CheckRoom(int maxLength, int specials)
    {
        if (maxLength < specials + 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, $"maxLength must leave room for the {specials} special tokens and one token.");
        }
    }

    private protected static void CopyFile(string source, string destination)
    {
        if (string.Equals(Path.GetFullPath(source), Path.GetFullPath(destination), StringComparison.Ordinal))
        {
            return;
        }

        AtomicFile.Write(destination, stream =>
        {
            using FileStream input = File.OpenRead(source);
            input.CopyTo(stream);
        });
    }
}
