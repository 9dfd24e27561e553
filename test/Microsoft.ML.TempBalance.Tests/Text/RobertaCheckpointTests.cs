using Microsoft.ML.TempBalance.Text;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Text;

[TestClass]
public sealed class RobertaCheckpointTests
{
    private static int Id(string token) => TinyRobertaFiles.Vocabulary()[token];

    private static int Byte(char c) => 4 + c;

    [TestMethod]
    public void TokenizationMatchesTheMergesAppliedByHand()
    {
        using var folder = new TempFolder();
        TinyRobertaFiles.Write(folder.Path);
        RobertaTokenizer tokenizer = RobertaTokenizer.Load(Path.Combine(folder.Path, "vocab.json"), Path.Combine(folder.Path, "merges.txt"));

        CollectionAssert.AreEqual(new[] { 0, Id("hello"), Id("Ġworld"), 2 }, tokenizer.Encode("hello world", null, 18).Ids);
        // Two spaces: the first stays alone (GPT-2's \s+(?!\S)), the second joins "world".
        CollectionAssert.AreEqual(new[] { Id("hello"), Byte(' '), Id("Ġworld"), Byte('!') }, tokenizer.Tokenize("hello  world!").ToArray());
        // é is outside the vocabulary's merged tokens: it goes through its UTF-8 bytes C3 A9, nothing is lost.
        int[] accented = tokenizer.Tokenize("héllo").ToArray();
        CollectionAssert.AreEqual(new[] { Byte('h'), 4 + 0xC3, 4 + 0xA9, Id("llo") }, accented);
        Assert.AreEqual("héllo", tokenizer.Decode(accented));
        Assert.IsEmpty(tokenizer.Tokenize(""));
    }

    [TestMethod]
    public void PairsGetDoubleSeparatorsAndLongestFirstTruncation()
    {
        using var folder = new TempFolder();
        TinyRobertaFiles.Write(folder.Path);
        RobertaTokenizer tokenizer = RobertaTokenizer.Load(Path.Combine(folder.Path, "vocab.json"), Path.Combine(folder.Path, "merges.txt"));
        int h = Id("hello"), w = Id("Ġworld");
        CollectionAssert.AreEqual(new[] { 0, h, 2, 2, w, 2 }, tokenizer.Encode("hello", " world", 18).Ids);
        // "abcdef" (6 tokens) and "xy" (2): max 8 leaves 4 text tokens → the longer loses 4 from its end.
        int[] pair = tokenizer.Encode("abcdef", "xy", 8).Ids;
        CollectionAssert.AreEqual(new[] { 0, Byte('a'), Byte('b'), 2, 2, Byte('x'), Byte('y'), 2 }, pair);
        // Equal lengths: the second loses first.
        CollectionAssert.AreEqual(new[] { 0, Byte('a'), Byte('b'), 2, 2, Byte('x'), 2 }, tokenizer.Encode("abc", "xyz", 7).Ids);
        CollectionAssert.AreEqual(new[] { 0, Byte('a'), Byte('b'), 2 }, tokenizer.Encode("abcdef", null, 4).Ids);
    }

    [TestMethod]
    [DataRow(torch.ScalarType.Float32, true)]
    [DataRow(torch.ScalarType.Float16, true)]
    [DataRow(torch.ScalarType.BFloat16, true)]
    [DataRow(torch.ScalarType.Float32, false)]
    public void LogitsEqualAnIndependentDoublePrecisionForwardPass(torch.ScalarType dtype, bool withPrefix)
    {
        using var folder = new TempFolder();
        Dictionary<string, torch.Tensor> weights = TinyRobertaFiles.Write(folder.Path, labels: 3, seed: 4, dtype: dtype, withPrefix: withPrefix);
        using TextCheckpoint checkpoint = TextCheckpoint.Load(folder.Path);
        Assert.IsFalse(checkpoint.HeadInitialized);
        CollectionAssert.AreEqual(new[] { "L0", "L1", "L2" }, checkpoint.Config.Labels.ToArray());
        CollectionAssert.IsSubsetOf(new[] { "lm_head.dense.weight" }, checkpoint.IgnoredTensors.ToArray());

        int[] first = checkpoint.Tokenizer.Encode("hello world héllo", null, 18).Ids;
        int[] second = checkpoint.Tokenizer.Encode("wow", "hello", 18).Ids;
        using TokenBatch batch = TokenBatch.Create(new[] { first, second }, checkpoint.Tokenizer.PadId);
        checkpoint.Model.eval();
        using var noGrad = torch.no_grad();
        using torch.Tensor logits = checkpoint.Model.forward(batch.Ids, batch.Mask);
        float[] actual = logits.data<float>().ToArray();

        var reference = new ReferenceRoberta(weights, TinyRobertaFiles.Hidden, TinyRobertaFiles.Heads, TinyRobertaFiles.Layers);
        double[] expected = reference.Logits(first).Concat(reference.Logits(PadTo(second, first.Length))).ToArray();
        Assert.HasCount(6, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-5, $"logit {i}");
        }
    }

    private static int[] PadTo(int[] ids, int length) => ids.Concat(Enumerable.Repeat(1, length - ids.Length)).ToArray();

    [TestMethod]
    public void ReferenceErfIsAccurate()
    {
        // Known values: erf(0.5) = 0.5204998778130465, erf(1) = 0.8427007929497149, erf(3) = 0.9999779095030014.
        Assert.AreEqual(0.5204998778130465, ReferenceRoberta.Erf(0.5), 1e-14);
        Assert.AreEqual(0.8427007929497149, ReferenceRoberta.Erf(1.0), 1e-14);
        Assert.AreEqual(-0.9999779095030014, ReferenceRoberta.Erf(-3.0), 1e-14);
    }

    [TestMethod]
    public void MissingHeadIsInitialisedForTheRequestedLabels()
    {
        using var folder = new TempFolder();
        TinyRobertaFiles.Write(folder.Path, labels: 0);
        using TextCheckpoint a = TextCheckpoint.Load(folder.Path, new[] { "neg", "pos" }, seed: 5);
        using TextCheckpoint b = TextCheckpoint.Load(folder.Path, new[] { "neg", "pos" }, seed: 5);
        Assert.IsTrue(a.HeadInitialized);
        Assert.AreEqual(2, a.Model.LabelCount);
        using var noGrad = torch.no_grad();
        using torch.Tensor ids = torch.tensor(new long[] { 0, 40, 41, 2 }).unsqueeze(0);
        using torch.Tensor mask = torch.ones(1, 4, torch.int64);
        a.Model.eval();
        b.Model.eval();
        using torch.Tensor la = a.Model.forward(ids, mask);
        using torch.Tensor lb = b.Model.forward(ids, mask);
        Assert.IsTrue(la.allclose(lb, 0, 0), "same seed, same head");
    }

    [TestMethod]
    public void SaveWritesAFolderThatLoadsBackIdentically()
    {
        using var source = new TempFolder();
        using var target = new TempFolder();
        TinyRobertaFiles.Write(source.Path, labels: 0);
        using TextCheckpoint original = TextCheckpoint.Load(source.Path, new[] { "Democratic", "Republican" }, seed: 1);
        original.Save(target.Path);
        CollectionAssert.AreEquivalent(new[] { "config.json", "merges.txt", "model.safetensors", "vocab.json" }, Directory.GetFiles(target.Path).Select(Path.GetFileName).ToArray());
        using TextCheckpoint reloaded = TextCheckpoint.Load(target.Path);
        CollectionAssert.AreEqual(new[] { "Democratic", "Republican" }, reloaded.Config.Labels.ToArray());
        Assert.IsFalse(reloaded.HeadInitialized);
        StringAssert.Contains(File.ReadAllText(Path.Combine(target.Path, "config.json")), "\"RobertaForSequenceClassification\"");
        using var noGrad = torch.no_grad();
        foreach (((string name, var p), (string _, var q)) in original.Model.named_parameters().Zip(reloaded.Model.named_parameters()))
        {
            Assert.IsTrue(p.allclose(q, 0, 0), name);
        }
    }

    [TestMethod]
    public void BrokenCheckpointsGetClearErrors()
    {
        using var folder = new TempFolder();
        TinyRobertaFiles.Write(folder.Path);
        string config = Path.Combine(folder.Path, "config.json");
        string text = File.ReadAllText(config);

        File.Delete(Path.Combine(folder.Path, "merges.txt"));
        var missing = Assert.ThrowsExactly<FileNotFoundException>(() => TextCheckpoint.Load(folder.Path));
        StringAssert.Contains(missing.Message, "merges.txt");
        File.WriteAllText(Path.Combine(folder.Path, "merges.txt"), "#version: 0.2\n");

        File.WriteAllText(config, text.Replace("\"roberta\"", "\"gpt2\"", StringComparison.Ordinal));
        string unknown = Assert.ThrowsExactly<InvalidDataException>(() => TextCheckpoint.Load(folder.Path)).Message;
        StringAssert.Contains(unknown, "model_type is 'gpt2'");
        StringAssert.Contains(unknown, "'bert', 'roberta'");
        File.WriteAllText(config, text.Replace("\"hidden_size\": 8", "\"hidden_size\": 6", StringComparison.Ordinal));
        var shape = Assert.ThrowsExactly<InvalidDataException>(() => TextCheckpoint.Load(folder.Path));
        StringAssert.Contains(shape.Message, "has shape [");
        StringAssert.Contains(shape.Message, "model.safetensors");

        File.WriteAllText(config, text);
        var labels = Assert.ThrowsExactly<InvalidDataException>(() => TextCheckpoint.Load(folder.Path, new[] { "a", "b" }));
        StringAssert.Contains(labels.Message, "head has 3 output(s)");

        File.Delete(Path.Combine(folder.Path, "model.safetensors"));
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => TextCheckpoint.Load(folder.Path)).Message, "model.safetensors");
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => TextCheckpoint.Load(Path.Combine(folder.Path, "nope")));
    }
}
