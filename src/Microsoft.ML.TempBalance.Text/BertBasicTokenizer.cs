using System.Globalization;
using System.Text;

namespace Microsoft.ML.TempBalance.Text;

/// <summary>
/// Hugging Face's BERT <c>BasicTokenizer</c>: the words WordPiece then splits. Removes NUL, U+FFFD and control
/// characters, turns whitespace into spaces, surrounds CJK ideographs with spaces, normalises to NFC, splits on
/// whitespace, lower-cases and strips accents (NFD without non-spacing marks) as configured, and makes every
/// punctuation character a word of its own. Punctuation is Hugging Face's: Unicode categories P*, and every
/// non-alphanumeric ASCII character (so <c>$ + = ^ ` | ~ &lt; &gt;</c> are kept, as symbols, not dropped).
/// Special tokens written in the text (<c>[CLS]</c>, <c>[SEP]</c>, ...) stay whole.
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers' BertTokenizer (2.0.1 and 3.0.0) drops symbol characters such as <c>=</c>, <c>$</c> and
/// <c>©</c> in its pre-tokenizer, so ids would differ from Hugging Face's; its WordPiece model is used as it is.
/// </remarks>
internal sealed class BertBasicTokenizer
{
    private readonly bool _lowerCase;
    private readonly bool _stripAccents;
    private readonly bool _splitCjk;
    private readonly IReadOnlyList<string> _specialTokens;

    public BertBasicTokenizer(bool lowerCase, bool stripAccents, bool splitCjk, IReadOnlyList<string> specialTokens)
    {
        _lowerCase = lowerCase;
        _stripAccents = stripAccents;
        _splitCjk = splitCjk;
        _specialTokens = specialTokens;
    }

    /// <summary>The words of a text, in order; special tokens are returned as they are.</summary>
    public List<string> Split(string text)
    {
        var words = new List<string>();
        int start = 0;
        while (start < text.Length)
        {
            (int at, string? special) = NextSpecial(text, start);
            SplitPlain(text[start..at], words);
            if (special is null)
            {
                break;
            }

            words.Add(special);
            start = at + special.Length;
        }

        return words;
    }

    private (int At, string? Special) NextSpecial(string text, int start)
    {
        int best = text.Length;
        string? found = null;
        foreach (string token in _specialTokens)
        {
            int at = text.IndexOf(token, start, StringComparison.Ordinal);
            if (at >= 0 && at < best)
            {
                best = at;
                found = token;
            }
        }

        return (best, found);
    }

    private void SplitPlain(string text, List<string> words)
    {
        var cleaned = new StringBuilder(text.Length + 8);
        foreach (Rune rune in text.EnumerateRunes())
        {
            int cp = rune.Value;
            if (cp == 0 || cp == 0xFFFD || IsControl(rune))
            {
                continue;
            }

            if (IsWhitespace(rune))
            {
                cleaned.Append(' ');
            }
            else if (_splitCjk && IsCjk(cp))
            {
                cleaned.Append(' ').Append(rune.ToString()).Append(' ');
            }
            else
            {
                cleaned.Append(rune.ToString());
            }
        }

        string normalized = cleaned.ToString().Normalize(NormalizationForm.FormC);
        foreach (string raw in normalized.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            string word = _lowerCase ? raw.ToLowerInvariant() : raw;
            if (_stripAccents)
            {
                word = StripAccents(word);
            }

            SplitOnPunctuation(word, words);
        }
    }

    private static void SplitOnPunctuation(string word, List<string> words)
    {
        var current = new StringBuilder();
        foreach (Rune rune in word.EnumerateRunes())
        {
            if (IsPunctuation(rune))
            {
                if (current.Length > 0)
                {
                    words.Add(current.ToString());
                    current.Clear();
                }

                words.Add(rune.ToString());
            }
            else
            {
                current.Append(rune.ToString());
            }
        }

        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }
    }

    private static string StripAccents(string word)
    {
        var kept = new StringBuilder(word.Length);
        foreach (Rune rune in word.Normalize(NormalizationForm.FormD).EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark)
            {
                kept.Append(rune.ToString());
            }
        }

        return kept.ToString();
    }

    // Hugging Face's _is_whitespace, plus the line and paragraph separators that its whitespace split (Python's
    // str.split) also breaks words at.
    private static bool IsWhitespace(Rune rune) =>
        rune.Value is ' ' or '\t' or '\n' or '\r'
        || Rune.GetUnicodeCategory(rune) is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    // Hugging Face's _is_control: categories C* except the whitespace characters \t \n \r.
    private static bool IsControl(Rune rune)
    {
        if (rune.Value is '\t' or '\n' or '\r')
        {
            return false;
        }

        UnicodeCategory category = Rune.GetUnicodeCategory(rune);
        return category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned
            or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;
    }

    private static bool IsPunctuation(Rune rune)
    {
        int cp = rune.Value;
        if (cp is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126)
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    // The CJK Unified Ideographs blocks Hugging Face's _is_chinese_char lists.
    private static bool IsCjk(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
