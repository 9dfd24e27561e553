using Microsoft.ML.Tokenizers;

namespace Microsoft.ML.TempBalance.Text;

/// <summary>
/// Hugging Face RoBERTa tokenization from <c>vocab.json</c> and <c>merges.txt</c>: byte-level BPE with the GPT-2
/// pre-tokenizer (so any character is encoded through its UTF-8 bytes and nothing is lost), single inputs as
/// <c>&lt;s&gt; A &lt;/s&gt;</c> and pairs as <c>&lt;s&gt; A &lt;/s&gt;&lt;/s&gt; B &lt;/s&gt;</c>, truncated
/// longest-first before the special tokens are added.
/// </summary>
public sealed class RobertaTokenizer : TextTokenizer
{
    private readonly BpeTokenizer _bpe;

    private RobertaTokenizer(BpeTokenizer bpe, string vocabPath, string mergesPath, int bos, int eos, int pad)
    {
        _bpe = bpe;
        VocabPath = vocabPath;
        MergesPath = mergesPath;
        BosId = bos;
        EosId = eos;
        PadId = pad;
    }

    /// <summary>The vocabulary file.</summary>
    public string VocabPath { get; }

    /// <summary>The merges file.</summary>
    public string MergesPath { get; }

    /// <summary><c>&lt;s&gt;</c>.</summary>
    public int BosId { get; }

    /// <summary><c>&lt;/s&gt;</c>.</summary>
    public int EosId { get; }

    /// <summary><c>&lt;pad&gt;</c>.</summary>
    public override int PadId { get; }

    /// <summary>Loads the tokenizer files of a checkpoint folder.</summary>
    /// <exception cref="FileNotFoundException">vocab.json or merges.txt is missing (named).</exception>
    /// <exception cref="InvalidDataException">A special token is missing from the vocabulary.</exception>
    public static RobertaTokenizer Load(string vocabPath, string mergesPath)
    {
        foreach (string file in new[] { vocabPath, mergesPath })
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"The checkpoint has no tokenizer file '{file}' (Hugging Face RoBERTa or BERT checkpoints need vocab.json and merges.txt).", file);
            }
        }

        var vocabulary = ReadVocabulary(vocabPath);
        int Special(string token) => vocabulary.TryGetValue(token, out int id)
            ? id
            : throw new InvalidDataException($"'{vocabPath}' has no '{token}' token; expected a RoBERTa vocabulary.");
        var specials = new Dictionary<string, int>
        {
            ["<s>"] = Special("<s>"),
            ["<pad>"] = Special("<pad>"),
            ["</s>"] = Special("</s>"),
            ["<unk>"] = Special("<unk>"),
        };
        if (vocabulary.TryGetValue("<mask>", out int mask))
        {
            specials["<mask>"] = mask;
        }

        var options = new BpeOptions(vocabPath, mergesPath)
        {
            ByteLevel = true,
            PreTokenizer = RobertaPreTokenizer.Instance,
            SpecialTokens = specials,
            UnknownToken = "<unk>",
        };
        BpeTokenizer bpe = BpeTokenizer.Create(options);
        return new RobertaTokenizer(bpe, vocabPath, mergesPath, specials["<s>"], specials["</s>"], specials["<pad>"]);
    }

    /// <inheritdoc />
    public override IReadOnlyList<int> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length == 0 ? Array.Empty<int>() : _bpe.EncodeToIds(text);
    }

    /// <summary>
    /// <c>&lt;s&gt; A &lt;/s&gt;</c>, or <c>&lt;s&gt; A &lt;/s&gt;&lt;/s&gt; B &lt;/s&gt;</c> for a pair (token types all 0, as
    /// Hugging Face's RoBERTa tokenizer gives); the longer text loses tokens from its end (on a tie, the second)
    /// until the result fits <paramref name="maxLength"/>.
    /// </summary>
    public override EncodedText Encode(string first, string? second, int maxLength)
    {
        int specials = second is null ? 2 : 4;
        CheckRoom(maxLength, specials);
        var a = Tokenize(first).ToList();
        var b = second is null ? new List<int>() : Tokenize(second).ToList();
        TruncateLongestFirst(a, b, maxLength - specials);
        var ids = new List<int>(a.Count + b.Count + specials) { BosId };
        ids.AddRange(a);
        ids.Add(EosId);
        if (second is not null)
        {
            ids.Add(EosId);
            ids.AddRange(b);
            ids.Add(EosId);
        }

        return EncodedText.SingleSegment(ids.ToArray());
    }

    /// <summary>Copies vocab.json and merges.txt into <paramref name="folder"/>.</summary>
    public override void SaveTo(string folder)
    {
        CopyFile(VocabPath, Path.Combine(folder, "vocab.json"));
        CopyFile(MergesPath, Path.Combine(folder, "merges.txt"));
    }

    /// <inheritdoc />
    public override string Decode(IEnumerable<int> ids) => _bpe.Decode(ids, considerSpecialTokens: false);

    private static Dictionary<string, int> ReadVocabulary(string path)
    {
        try
        {
            using FileStream stream = File.OpenRead(path);
            return System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, int>>(stream)
                ?? throw new InvalidDataException($"'{path}' holds no vocabulary.");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not a JSON token → id map: {e.Message}", e);
        }
    }
}
