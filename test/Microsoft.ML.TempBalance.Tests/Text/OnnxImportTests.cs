using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.TempBalance.Samples;
using Microsoft.ML.TempBalance.Text;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Text;

[TestClass]
public sealed class OnnxImportTests
{
    [TestMethod]
    public void ImportedMiniLmMatchesOnnxRuntimeOnTheOriginalModel()
    {
        string folder = MiniLm.Checkpoint();
        EncoderConfig config = EncoderConfig.Load(Path.Combine(folder, "config.json"));
        Assert.AreEqual(EncoderFamily.Bert, config.Family);
        Assert.AreEqual((6, 384, 12, 1536, 30522, 512, 2, "gelu"), (config.NumHiddenLayers, config.HiddenSize, config.NumAttentionHeads, config.IntermediateSize, config.VocabSize, config.MaxPositionEmbeddings, config.TypeVocabSize, config.HiddenAct));
        Assert.AreEqual(1e-12, config.LayerNormEps, 1e-18);

        // Real sentences of mixed lengths (State of the Union passages, cut at different places), one pair.
        string[] passages = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Data", "sotu-party-test.tsv")).Skip(1).Select(l => l.Split('\t')[2]).Take(9).ToArray();
        using TextCheckpoint checkpoint = TextCheckpoint.Load(folder, new[] { "a", "b" });
        Assert.DoesNotContain("bert.pooler.dense.weight", checkpoint.InitializedTensors.ToList(), "MiniLM's pooler is imported");
        var inputs = passages.Select((p, i) => checkpoint.Tokenizer.Encode(p[..Math.Min(p.Length, 40 + 45 * i)], null, 128)).ToList();
        inputs.Add(checkpoint.Tokenizer.Encode("What did the President say?", passages[0], 64));
        Assert.IsGreaterThan(5, inputs.Select(i => i.Ids.Length).Distinct().Count(), "lengths differ, so the batch is padded");
        using TokenBatch batch = TokenBatch.Create(inputs, checkpoint.Tokenizer.PadId);
        checkpoint.Model.eval();
        float[] ours;
        using (var noGrad = torch.no_grad())
        using (torch.Tensor hidden = checkpoint.Model.LastHiddenState(batch.Ids, batch.Mask, batch.TypeIds))
        {
            ours = hidden.data<float>().ToArray();
        }

        using var onnxFolder = new TempFolder();
        (string model, _) = MiniLm.WriteOnnx(onnxFolder.Path);
        using var session = new InferenceSession(model);
        int[] shape = { (int)batch.Ids.shape[0], (int)batch.Ids.shape[1] };
        DenseTensor<long> Tensor(torch.Tensor t) => new(t.data<long>().ToArray(), shape);
        var feeds = session.InputMetadata.Keys.Select(name => NamedOnnxValue.CreateFromTensor(name,
            name.Contains("mask", StringComparison.Ordinal) ? Tensor(batch.Mask) : name.Contains("type", StringComparison.Ordinal) ? Tensor(batch.TypeIds) : Tensor(batch.Ids))).ToList();
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run(feeds);
        float[] theirs = results.First().AsTensor<float>().ToArray();

        Assert.HasCount(ours.Length, theirs);
        double max = ours.Zip(theirs, (a, b) => Math.Abs((double)a - b)).Max();
        Assert.IsLessThanOrEqualTo(1e-4, max, $"max |TorchSharp - ONNX Runtime| over {inputs.Count} sequences x {shape[1]} positions x 384");
        Assert.IsGreaterThan(0.1, ours.Select(Math.Abs).Average(), "the states are not trivially small");
    }
}

[TestClass]
public sealed class OnnxImportGraphTests
{
    [TestMethod]
    [DataRow(false, false, "", false)]
    [DataRow(true, true, "bert.", false)]
    [DataRow(true, false, "", true)]
    [DataRow(false, false, "", false, true)]
    public void WeightsAreNamedByFollowingTheGraphAndWrittenBackAsOutByIn(bool generatedEmbeddings, bool constantScale, string prefix, bool float16, bool operandScale = false)
    {
        using var folder = new TempFolder();
        string onnx = folder.File("model.onnx");
        File.WriteAllBytes(onnx, OnnxTestGraphs.TinyBert(new OnnxGraphOptions { GeneratedEmbeddingNames = generatedEmbeddings, ConstantNodeScale = constantScale, NamePrefix = prefix, Float16 = float16, OperandScale = operandScale }));
        TinyBertFiles.Write(folder.File("tiny"), new TinyBertVariant());
        OnnxImportResult result = OnnxEncoderImporter.Import(onnx, TinyBertFiles.VocabPath(folder.File("tiny")), folder.File("imported"));

        EncoderConfig c = result.Config;
        Assert.AreEqual((EncoderFamily.Bert, TinyBertFiles.Layers, TinyBertFiles.Hidden, TinyBertFiles.Heads, TinyBertFiles.Intermediate), (c.Family, c.NumHiddenLayers, c.HiddenSize, c.NumAttentionHeads, c.IntermediateSize));
        Assert.AreEqual((TinyBertFiles.VocabSize, TinyBertFiles.MaxPositions, TinyBertFiles.TypeVocab, "gelu"), (c.VocabSize, c.MaxPositionEmbeddings, c.TypeVocabSize, c.HiddenAct));
        Assert.AreEqual(1e-12, c.LayerNormEps, 1e-18);
        Assert.HasCount(6 * TinyBertFiles.Layers + (generatedEmbeddings ? 3 : 0), result.RecoveredNames);
        Assert.IsFalse(result.LowerCase, "the tiny vocabulary has Hello and The: read as cased");

        // Every tensor equals the original (Linear weights back in [out, in]); the checkpoint loads as a BERT.
        Dictionary<string, torch.Tensor> expected = TinyBertFiles.Weights(new TinyBertVariant { Labels = 0, DType = float16 ? "F16" : "F32" });
        using var reader = Microsoft.ML.TempBalance.Checkpoints.SafetensorsReader.Open(Path.Combine(result.Folder, "model.safetensors"));
        Assert.HasCount(expected.Count, reader.Tensors);
        foreach ((string name, torch.Tensor value) in expected)
        {
            using torch.Tensor actual = reader.ReadTensor(name["bert.".Length..]);
            using torch.Tensor asFloat = actual.to(torch.float32);
            Assert.IsTrue(asFloat.eq(value).all().item<bool>(), $"{name} differs");
        }

        using TextCheckpoint checkpoint = TextCheckpoint.Load(result.Folder, new[] { "a", "b" });
        Assert.IsInstanceOfType<Microsoft.ML.TempBalance.Text.Modules.BertForSequenceClassification>(checkpoint.Model);
        CollectionAssert.AreEquivalent(new[] { "classifier.weight", "classifier.bias" }, checkpoint.InitializedTensors.ToArray());
    }

    [TestMethod]
    public void HostileFilesGetClearErrors()
    {
        using var folder = new TempFolder();
        TinyBertFiles.Write(folder.File("tiny"), new TinyBertVariant());
        string vocab = TinyBertFiles.VocabPath(folder.File("tiny"));
        string Import(byte[] bytes, string name)
        {
            File.WriteAllBytes(folder.File(name), bytes);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => OnnxEncoderImporter.Import(folder.File(name), vocab, folder.File(name + "-out")));
            Assert.IsFalse(Directory.Exists(folder.File(name + "-out")), "nothing is left behind");
            StringAssert.Contains(e.Message, name, "the file is named");
            return e.Message;
        }

        StringAssert.Contains(Import(System.Text.Encoding.UTF8.GetBytes("this is a text file, not a model\n"), "text.onnx"), "not a readable ONNX model");
        byte[] good = OnnxTestGraphs.TinyBert(new OnnxGraphOptions());
        StringAssert.Contains(Import(good[..(good.Length / 2)], "truncated.onnx"), "runs past the end");
        string mlp = Import(OnnxTestGraphs.Mlp(), "mlp.onnx");
        StringAssert.Contains(mlp, "holds no complete BERT-family encoder");
        StringAssert.Contains(mlp, "embeddings.word_embeddings.weight");
        string edge = Import(OnnxTestGraphs.TinyBert(new OnnxGraphOptions { BiasEdgeMissing = true }), "no-bias.onnx");
        StringAssert.Contains(edge, "MatMul");
        StringAssert.Contains(edge, "reaches no Add with a named bias");

        File.WriteAllBytes(folder.File("ok.onnx"), good);
        Directory.CreateDirectory(folder.File("taken"));
        File.WriteAllText(Path.Combine(folder.File("taken"), "x"), "x");
        Assert.ThrowsExactly<IOException>(() => OnnxEncoderImporter.Import(folder.File("ok.onnx"), vocab, folder.File("taken")));
        Assert.ThrowsExactly<FileNotFoundException>(() => OnnxEncoderImporter.Import(folder.File("missing.onnx"), vocab, folder.File("m-out")));
    }
}
