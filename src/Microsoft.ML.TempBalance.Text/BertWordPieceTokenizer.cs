using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.TempBalance.IO;
using Microsoft.ML.Tokenizers;

namespace Microsoft.ML.TempBalance.Text;

/// <summary>
/// Hugging Face BERT tokenization from <c>vocab.txt</c>: basic tokenization (<see cref="BertBasicTokenizer"/>:
/// whitespace, punctuation and CJK splits, lower-casing and accent stripping as <c>tokenizer_config.json</c> says),
/// then Microsoft.ML.Tokenizers' greedy longest-match WordPiece with <c>##</c> pieces (a word of more than 100
/// characters is <c>[UNK]</c>), single inputs as
/// <c>[CLS] A [SEP]</c> and pairs as <c>[CLS] A [SEP] B [SEP]</c> with token types 0 and 1, truncated longest-first
/// before the special tokens are added.
/// </summary>
/// <remarks>
/// <c>do_lower_case</c> defaults to true and <c>strip_accents</c> to "as lower-casing" (Hugging Face's rule: an
/// uncased vocabulary strips accents, so "café" is <c>cafe</c>, not <c>[UNK]</c>). Without a
/// <c>tokenizer_config.json</c> these defaults apply.
/// </remarks>
public sealed class BertWordPieceTokenizer : TextTokenizer
{
    private const int MaxCharactersPerWord = 100;
    private static readonly string[] SpecialTokens = { "[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]" };
    private readonly Microsoft.ML.Tokenizers.WordPieceTokenizer _wordPiece;
    private readonly BertBasicTokenizer _basic;
    private readonly Dictionary<string, int> _specialIds;

    private BertWordPieceTokenizer(Microsoft.ML.Tokenizers.WordPieceTokenizer wordPiece, Dictionary<string, int> specialIds, string vocabPath, bool lowerCase, bool stripAccents, bool splitCjk)
    {
        _wordPiece = wordPiece;
        _specialIds = specialIds;
        _basic = new BertBasicTokenizer(lowerCase, stripAccents, splitCjk, SpecialTokens);
        VocabPath = vocabPath;
        LowerCase = lowerCase;
        StripAccents = stripAccents;
        SplitCjk = splitCjk;
    }

    /// <summary>The vocabulary file.</summary>
    public string VocabPath { get; }

    /// <summary>Whether text is lower-cased first (<c>do_lower_case</c>).</summary>
    public bool LowerCase { get; }

    /// <summary>Whether accents (non-spacing marks after NFD) are removed.</summary>
    public bool StripAccents { get; }

    /// <summary>Whether CJK ideographs become words of their own (<c>tokenize_chinese_chars</c>).</summary>
    public bool SplitCjk { get; }

    /// <summary><c>[CLS]</c>.</summary>
    public int ClsId => _specialIds["[CLS]"];

    /// <summary><c>[SEP]</c>.</summary>
    public int SepId => _specialIds["[SEP]"];

    /// <summary><c>[PAD]</c>.</summary>
    public override int PadId => _specialIds["[PAD]"];

    /// <summary>Loads <c>vocab.txt</c> and, when it exists, <c>tokenizer_config.json</c>.</summary>
    /// <exception cref="FileNotFoundException">vocab.txt is missing (named).</exception>
    /// <exception cref="InvalidDataException">A special token is missing from the vocabulary, or the config is not valid JSON.</exception>
    public static BertWordPieceTokenizer Load(string vocabPath, string? tokenizerConfigPath = null)
    {
        if (!File.Exists(vocabPath))
        {
            throw new FileNotFoundException($"The checkpoint has no tokenizer file '{vocabPath}' (Hugging Face BERT checkpoints need vocab.txt).", vocabPath);
        }

        (bool lowerCase, bool? stripAccents, bool splitCjk) = ReadConfig(tokenizerConfigPath);
        return Create(vocabPath, lowerCase, stripAccents ?? lowerCase, splitCjk);
    }

    /// <summary>A tokenizer for a vocabulary with explicit settings.</summary>
    public static BertWordPieceTokenizer Create(string vocabPath, bool lowerCase = true, bool stripAccents = true, bool splitCjk = true)
    {
        string[] lines = File.ReadLines(vocabPath).Select(l => l.TrimEnd('\r')).ToArray();
        var specialIds = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string token in SpecialTokens)
        {
            int id = Array.IndexOf(lines, token);
            if (id < 0)
            {
                throw new InvalidDataException($"'{vocabPath}' has no '{token}' token; expected a BERT WordPiece vocabulary.");
            }

            specialIds[token] = id;
        }

        var options = new WordPieceOptions
        {
            UnknownToken = "[UNK]",
            ContinuingSubwordPrefix = "##",
            // Words are measured in code points below, as Hugging Face does; the library counts UTF-16 units.
            MaxInputCharsPerWord = 2 * MaxCharactersPerWord,
            SpecialTokens = specialIds,
        };
        var wordPiece = Microsoft.ML.Tokenizers.WordPieceTokenizer.Create(vocabPath, options);
        return new BertWordPieceTokenizer(wordPiece, specialIds, vocabPath, lowerCase, stripAccents, splitCjk);
    }

    /// <inheritdoc />
    public override IReadOnlyList<int> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        foreach (string word in _basic.Split(text))
        {
            if (_specialIds.TryGetValue(word, out int special))
            {
                ids.Add(special);
            }
            else if (word.EnumerateRunes().Count() > MaxCharactersPerWord)
            {
                ids.Add(_specialIds["[UNK]"]);
            }
            else
            {
                ids.AddRange(_wordPiece.EncodeToIds(word, considerPreTokenization: false, considerNormalization: false));
            }
        }

        return ids;
    }

    /// <inheritdoc />
    public override EncodedText Encode(string first, string? second, int maxLength)
    {
        int specials = second is null ? 2 : 3;
        CheckRoom(maxLength, specials);
        var a = Tokenize(first).ToList();
        var b = second is null ? new List<int>() : Tokenize(second).ToList();
        TruncateLongestFirst(a, b, maxLength - specials);
        int firstSegment = a.Count + 2;
        var ids = new int[firstSegment + (second is null ? 0 : b.Count + 1)];
        var types = new int[ids.Length];
        ids[0] = ClsId;
        a.CopyTo(ids, 1);
        ids[firstSegment - 1] = SepId;
        if (second is not null)
        {
            b.CopyTo(ids, firstSegment);
            ids[^1] = SepId;
            types.AsSpan(firstSegment).Fill(1);
        }

        return new EncodedText(ids, types);
    }

    /// <inheritdoc />
    public override string Decode(IEnumerable<int> ids) => _wordPiece.Decode(ids.Where(i => !_specialIds.ContainsValue(i)));

    /// <summary>Copies vocab.txt and writes tokenizer_config.json with this tokenizer's settings.</summary>
    public override void SaveTo(string folder)
    {
        CopyFile(VocabPath, Path.Combine(folder, "vocab.txt"));
        var config = new JsonObject
        {
            ["tokenizer_class"] = "BertTokenizer",
            ["do_lower_case"] = LowerCase,
            ["strip_accents"] = StripAccents == LowerCase ? null : StripAccents,
            ["tokenize_chinese_chars"] = SplitCjk,
            ["cls_token"] = "[CLS]",
            ["sep_token"] = "[SEP]",
            ["pad_token"] = "[PAD]",
            ["unk_token"] = "[UNK]",
            ["mask_token"] = "[MASK]",
        };
        string text = config.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        AtomicFile.Write(Path.Combine(folder, "tokenizer_config.json"), stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(text)));
    }

    private static (bool LowerCase, bool? StripAccents, bool SplitCjk) ReadConfig(string? path)
    {
        if (path is null || !File.Exists(path))
        {
            return (true, null, true);
        }

        try
        {
            JsonObject json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"'{path}' does not hold a JSON object.");
            bool Flag(string key, bool fallback) => json[key] is JsonValue v && v.TryGetValue(out bool b) ? b : fallback;
            bool? strip = json["strip_accents"] is JsonValue s && s.TryGetValue(out bool value) ? value : null;
            return (Flag("do_lower_case", true), strip, Flag("tokenize_chinese_chars", true));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }
    }
}
