using System.Globalization;
using System.Text;

namespace Microsoft.ML.TempBalance.Tests.Text;

/// <summary>
/// An independent implementation of Hugging Face's slow (Python) BertTokenizer, written from its rules: the
/// BasicTokenizer (clean text, space out CJK ideographs, NFC, split on whitespace, lower-case and strip accents,
/// split on punctuation) then the greedy longest-match-first WordPiece with <c>##</c> continuations, and
/// <c>[CLS] a [SEP] (b [SEP])</c> encoding with longest-first truncation. Text is read by Unicode code point, as
/// Python does; special tokens written inside the text are not recognised (they are split like any other text).
/// </summary>
internal sealed class ReferenceWordPiece
{
    private const int MaxWordChars = 100;
    private const string Unknown = "[UNK]";

    private readonly Dictionary<string, int> _vocab;
    private readonly bool _lowerCase;
    private readonly bool? _stripAccents;

    /// <param name="vocabPath">A vocab.txt: one token per line, the id being the line number (LF, CRLF or CR line ends).</param>
    /// <param name="lowerCase">do_lower_case.</param>
    /// <param name="stripAccents">strip_accents: null follows <paramref name="lowerCase"/>, as in Hugging Face.</param>
    public ReferenceWordPiece(string vocabPath, bool lowerCase = true, bool? stripAccents = null)
    {
        // Python reads the file with universal newlines and keeps the last id for a repeated token.
        string text = File.ReadAllText(vocabPath, Encoding.UTF8).Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        string[] lines = text.Split('\n');
        int count = lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        _vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            _vocab[lines[i]] = i;
        }

        _lowerCase = lowerCase;
        _stripAccents = stripAccents;
        ClsId = Id("[CLS]");
        SepId = Id("[SEP]");
        UnkId = Id(Unknown);
    }

    public int ClsId { get; }

    public int SepId { get; }

    public int UnkId { get; }

    /// <summary>The id of a vocabulary token; throws when it is absent.</summary>
    public int Id(string token) =>
        _vocab.TryGetValue(token, out int id) ? id : throw new KeyNotFoundException($"'{token}' is not in the vocabulary.");

    /// <summary>Token ids of <paramref name="text"/>, without special tokens.</summary>
    public List<int> Tokenize(string text) => Pieces(text).Select(Id).ToList();

    /// <summary>WordPiece tokens of <paramref name="text"/> as strings (<c>##</c> continuations, <c>[UNK]</c> for unmatched words).</summary>
    public List<string> Pieces(string text)
    {
        var pieces = new List<string>();
        foreach (string word in BasicTokens(text))
        {
            WordPiece(word, pieces);
        }

        return pieces;
    }

    /// <summary>The BasicTokenizer's output: the words handed to WordPiece.</summary>
    public List<string> BasicTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        // _clean_text and _tokenize_chinese_chars in one pass (CJK ideographs are never dropped or mapped by cleaning).
        // Lone surrogates enumerate as U+FFFD and so are dropped.
        var cleaned = new StringBuilder(text.Length);
        foreach (Rune rune in text.EnumerateRunes())
        {
            if (rune.Value == 0 || rune.Value == 0xFFFD || IsControl(rune))
            {
                continue;
            }

            if (IsWhitespace(rune))
            {
                cleaned.Append(' ');
            }
            else if (IsChineseChar(rune.Value))
            {
                cleaned.Append(' ').Append(rune.ToString()).Append(' ');
            }
            else
            {
                cleaned.Append(rune.ToString());
            }
        }

        string normalized = cleaned.ToString().Normalize(NormalizationForm.FormC);
        var split = new List<string>();
        foreach (string original in normalized.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            string token = original;
            if (_lowerCase)
            {
                token = token.ToLowerInvariant();
                if (_stripAccents != false)
                {
                    token = StripAccents(token);
                }
            }
            else if (_stripAccents == true)
            {
                token = StripAccents(token);
            }

            SplitOnPunctuation(token, split);
        }

        // whitespace_tokenize(" ".join(split_tokens)): drops empty pieces.
        return string.Join(' ', split).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    /// <summary>
    /// <c>[CLS] first [SEP]</c> or <c>[CLS] first [SEP] second [SEP]</c> within <paramref name="maxLength"/> tokens,
    /// truncating longest-first before the special tokens are added: one token at a time from the end of the longer
    /// sequence, from the second on a tie (the slow tokenizer's rule; the fast one splits ties the other way). Type ids
    /// are 0 up to the first [SEP] and 1 after it. Throws when the text cannot be cut to fit, where Hugging Face would
    /// log an error and return an over-long sequence.
    /// </summary>
    public (int[] Ids, int[] TypeIds) Encode(string first, string? second, int maxLength)
    {
        List<int> a = Tokenize(first);
        List<int>? b = second is null ? null : Tokenize(second);
        int excess = a.Count + (b?.Count ?? 0) + (b is null ? 2 : 3) - maxLength;
        if (excess > 0)
        {
            // A single sequence is cut only if some of it is left (Hugging Face's own condition).
            bool fits = b is null ? a.Count > excess : a.Count + b.Count >= excess;
            if (!fits)
            {
                throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "The special tokens leave no room for the text.");
            }

            for (int i = 0; i < excess; i++)
            {
                if (b is null || a.Count > b.Count)
                {
                    a.RemoveAt(a.Count - 1);
                }
                else
                {
                    b.RemoveAt(b.Count - 1);
                }
            }
        }

        var ids = new List<int> { ClsId };
        ids.AddRange(a);
        ids.Add(SepId);
        int firstSegment = ids.Count;
        if (b is not null)
        {
            ids.AddRange(b);
            ids.Add(SepId);
        }

        int[] typeIds = new int[ids.Count];
        for (int i = firstSegment; i < typeIds.Length; i++)
        {
            typeIds[i] = 1;
        }

        return (ids.ToArray(), typeIds);
    }

    private void WordPiece(string word, List<string> output)
    {
        string[] chars = word.EnumerateRunes().Select(r => r.ToString()).ToArray();
        if (chars.Length > MaxWordChars)
        {
            output.Add(Unknown);
            return;
        }

        var pieces = new List<string>();
        int start = 0;
        while (start < chars.Length)
        {
            string? match = null;
            int end = chars.Length;
            while (start < end)
            {
                string candidate = (start > 0 ? "##" : "") + string.Concat(chars[start..end]);
                if (_vocab.ContainsKey(candidate))
                {
                    match = candidate;
                    break;
                }

                end--;
            }

            if (match is null)
            {
                output.Add(Unknown);
                return;
            }

            pieces.Add(match);
            start = end;
        }

        output.AddRange(pieces);
    }

    private static void SplitOnPunctuation(string token, List<string> output)
    {
        var current = new StringBuilder();
        foreach (Rune rune in token.EnumerateRunes())
        {
            if (IsPunctuation(rune))
            {
                if (current.Length > 0)
                {
                    output.Add(current.ToString());
                    current.Clear();
                }

                output.Add(rune.ToString());
            }
            else
            {
                current.Append(rune.ToString());
            }
        }

        if (current.Length > 0)
        {
            output.Add(current.ToString());
        }
    }

    private static string StripAccents(string token)
    {
        var kept = new StringBuilder(token.Length);
        foreach (Rune rune in token.Normalize(NormalizationForm.FormD).EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark)
            {
                kept.Append(rune.ToString());
            }
        }

        return kept.ToString();
    }

    private static bool IsWhitespace(Rune rune) =>
        rune.Value is 0x20 or 0x09 or 0x0A or 0x0D || Rune.GetUnicodeCategory(rune) == UnicodeCategory.SpaceSeparator;

    private static bool IsControl(Rune rune)
    {
        if (rune.Value is 0x09 or 0x0A or 0x0D)
        {
            return false;
        }

        UnicodeCategory category = Rune.GetUnicodeCategory(rune);
        return category is UnicodeCategory.Control or UnicodeCategory.Format;
    }

    private static bool IsPunctuation(Rune rune)
    {
        int cp = rune.Value;
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126))
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    // The CJK Unified Ideographs blocks of BERT's _is_chinese_char (not Hangul, Hiragana or Katakana).
    private static bool IsChineseChar(int cp) =>
        (cp >= 0x4E00 && cp <= 0x9FFF)
        || (cp >= 0x3400 && cp <= 0x4DBF)
        || (cp >= 0x20000 && cp <= 0x2A6DF)
        || (cp >= 0x2A700 && cp <= 0x2B73F)
        || (cp >= 0x2B740 && cp <= 0x2B81F)
        || (cp >= 0x2B820 && cp <= 0x2CEAF)
        || (cp >= 0xF900 && cp <= 0xFAFF)
        || (cp >= 0x2F800 && cp <= 0x2FA1F);
}
