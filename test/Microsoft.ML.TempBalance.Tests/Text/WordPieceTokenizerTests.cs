using Microsoft.ML.TempBalance.Samples;
using Microsoft.ML.TempBalance.Text;

namespace Microsoft.ML.TempBalance.Tests.Text;

[TestClass]
public sealed class WordPieceTokenizerTests
{
    private static readonly string[] Sentences =
    {
        "Hello, world!",
        "The café served crème brûlée and a piñata.",
        "Naïve résumé: Ångström, Øresund, straße.",
        "Unbelievably, the antidisestablishmentarianism debate continued.",
        "He said \"no\" -- then (quietly) left...",
        "e-mail me at someone@example.com or visit https://example.org/a?b=c",
        "Costs rose 3.5% to $1,234.56 in Q4 2015.",
        "Tabs\tand\nnewlines\r\nare whitespace too.",
        "CAPITALS and MiXeD CaSe words",
        "北京欢迎你 and 東京 too",
        "Emoji 🙂 and symbols ©®™ ∑∞",
        "zxqvbnmlkj is not a word at all",
        new string('a', 120) + " is longer than one hundred characters",
        "don't won't shouldn't y'all",
        "Mr. Speaker, Mr. President, and distinguished Members of the House and Senate:",
        "We meet here tonight in this historic Chamber to continue that work.",
        "   leading and trailing spaces   ",
        "",
        "[CLS] looks special but is text [SEP]",
        "Pneumonoultramicroscopicsilicovolcanoconiosis",
        "Ελληνικά και русский текст",
        "semi;colons:colons/slashes\\back",
    };

    [TestMethod]
    public void MiniLmIdsEqualTheWordPieceRulesAppliedIndependently()
    {
        string vocab = Path.Combine(MiniLm.Checkpoint(), "vocab.txt");
        BertWordPieceTokenizer tokenizer = BertWordPieceTokenizer.Load(vocab, Path.Combine(Path.GetDirectoryName(vocab)!, "tokenizer_config.json"));
        Assert.IsTrue(tokenizer.LowerCase, "MiniLM's vocabulary is uncased");
        var reference = new ReferenceWordPiece(vocab, lowerCase: true);
        int checkedCount = 0;
        foreach (string text in Sentences)
        {
            if (text.Contains("[CLS]", StringComparison.Ordinal))
            {
                continue; // Hugging Face keeps special tokens written in the text; the reference does not model that
            }

            CollectionAssert.AreEqual(reference.Tokenize(text), tokenizer.Tokenize(text).ToList(), $"'{text}': expected {string.Join(" ", reference.Pieces(text))}");
            (int[] ids, int[] types) = reference.Encode(text, null, 128);
            EncodedText encoded = tokenizer.Encode(text, null, 128);
            CollectionAssert.AreEqual(ids, encoded.Ids, text);
            CollectionAssert.AreEqual(types, encoded.TypeIds, text);
            checkedCount++;
        }

        Assert.IsGreaterThanOrEqualTo(20, checkedCount);
        // Anchors a reader can check by eye: accents are stripped (café is cafe, id 7668), long words split into ## pieces.
        CollectionAssert.AreEqual(new[] { 7668 }, tokenizer.Tokenize("café").ToArray());
        Assert.IsTrue(reference.Pieces("Unbelievably").Skip(1).All(p => p.StartsWith("##", StringComparison.Ordinal)));
        Assert.IsGreaterThan(1, reference.Pieces("Unbelievably").Count);
    }

    [TestMethod]
    [DataRow(16)]
    [DataRow(9)]
    [DataRow(6)]
    public void PairsHaveSegmentsAndAreTruncatedLongestFirst(int maxLength)
    {
        string vocab = Path.Combine(MiniLm.Checkpoint(), "vocab.txt");
        BertWordPieceTokenizer tokenizer = BertWordPieceTokenizer.Load(vocab);
        var reference = new ReferenceWordPiece(vocab, lowerCase: true);
        (string A, string B)[] pairs =
        {
            ("A short question?", "A considerably longer answer that will need to be cut somewhere."),
            ("The first sentence is the long one in this pair, clearly.", "Short."),
            ("Equal length here", "Equal length there"),
        };
        foreach ((string a, string b) in pairs)
        {
            (int[] ids, int[] types) = reference.Encode(a, b, maxLength);
            EncodedText encoded = tokenizer.Encode(a, b, maxLength);
            CollectionAssert.AreEqual(ids, encoded.Ids, $"{a} | {b}");
            CollectionAssert.AreEqual(types, encoded.TypeIds, $"{a} | {b}");
            Assert.IsLessThanOrEqualTo(maxLength, encoded.Ids.Length);
            Assert.AreEqual(tokenizer.ClsId, encoded.Ids[0]);
            Assert.AreEqual(2, encoded.Ids.Count(i => i == tokenizer.SepId));
        }
    }

    [TestMethod]
    public void CasedVocabulariesKeepCaseAndAccents()
    {
        using var folder = new TempFolder();
        TinyBertFiles.Write(folder.Path, new TinyBertVariant { LowerCase = false });
        var tokenizer = (BertWordPieceTokenizer)TextTokenizer.Load(folder.Path, EncoderFamily.Bert);
        Assert.IsFalse(tokenizer.LowerCase);
        Assert.IsFalse(tokenizer.StripAccents);
        var reference = new ReferenceWordPiece(TinyBertFiles.VocabPath(folder.Path), lowerCase: false);
        foreach (string text in new[] { "Hello The cat", "hello the café", "The dog played 中文" })
        {
            CollectionAssert.AreEqual(reference.Tokenize(text), tokenizer.Tokenize(text).ToList(), $"'{text}': expected {string.Join(" ", reference.Pieces(text))}");
        }

        Assert.AreEqual(TinyBertFiles.Vocabulary.ToList().IndexOf("Hello"), tokenizer.Tokenize("Hello")[0]);
    }
}
