using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Text;
using Microsoft.ML.TempBalance.Text.Modules;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Text;

[TestClass]
public sealed class BertCheckpointTests
{
    [TestMethod]
    [DataRow("F32", true, false, "gelu")]
    [DataRow("F16", true, false, "gelu")]
    [DataRow("BF16", true, false, "gelu")]
    [DataRow("F32", false, true, "gelu")]
    [DataRow("BF16", false, true, "gelu")]
    [DataRow("F32", true, false, "gelu_new")]
    [DataRow("F32", true, false, "relu")]
    public void LogitsEqualAnIndependentDoublePrecisionForwardPass(string dtype, bool prefix, bool legacyNames, string activation)
    {
        using var folder = new TempFolder();
        var variant = new TinyBertVariant { DType = dtype, Prefix = prefix, LegacyNames = legacyNames, Activation = activation, Labels = 3, Seed = 5 };
        TinyBertFiles.Write(folder.Path, variant);
        Dictionary<string, torch.Tensor> weights = TinyBertFiles.Weights(variant);
        using TextCheckpoint checkpoint = TextCheckpoint.Load(folder.Path);
        Assert.IsInstanceOfType<BertForSequenceClassification>(checkpoint.Model);
        Assert.IsInstanceOfType<BertWordPieceTokenizer>(checkpoint.Tokenizer);
        Assert.IsEmpty(checkpoint.InitializedTensors, "every parameter comes from the file");
        CollectionAssert.IsSubsetOf(new[] { "cls.predictions.bias", "cls.predictions.transform.dense.weight" }, checkpoint.IgnoredTensors.ToArray());
        Assert.IsTrue(checkpoint.IgnoredTensors.Any(n => n.EndsWith("position_ids", StringComparison.Ordinal)));

        // A single sentence, a pair (token types 1 on the second segment) and a short one: padding in the batch.
        EncodedText[] inputs =
        {
            checkpoint.Tokenizer.Encode("the cat sat on the mat.", null, 24),
            checkpoint.Tokenizer.Encode("a good movie!", "the film was terrible?", 24),
            checkpoint.Tokenizer.Encode("hello", null, 24),
        };
        Assert.Contains(1, inputs[1].TypeIds, "the pair has a second segment");
        using TokenBatch batch = TokenBatch.Create(inputs, checkpoint.Tokenizer.PadId);
        checkpoint.Model.eval();
        using var noGrad = torch.no_grad();
        using torch.Tensor logits = checkpoint.Model.forward(batch.Ids, batch.Mask, batch.TypeIds);
        float[] actual = logits.data<float>().ToArray();

        var reference = new ReferenceBert(weights, TinyBertFiles.Hidden, TinyBertFiles.Heads, TinyBertFiles.Layers, activation: activation);
        int length = inputs.Max(i => i.Ids.Length);
        for (int row = 0; row < inputs.Length; row++)
        {
            (int[] ids, int[] types, int[] mask) = Padded(inputs[row], length);
            double[] expected = reference.Logits(ids, types, mask);
            for (int j = 0; j < 3; j++)
            {
                Assert.AreEqual(expected[j], actual[row * 3 + j], 1e-5, $"row {row}, logit {j}");
            }
        }
    }

    [TestMethod]
    public void MissingPoolerAndHeadAreInitialisedAsHuggingFaceDoes()
    {
        using var folder = new TempFolder();
        var variant = new TinyBertVariant { Pooler = false, Labels = 0 };
        TinyBertFiles.Write(folder.Path, variant);
        using TextCheckpoint checkpoint = TextCheckpoint.Load(folder.Path, new[] { "a", "b" }, seed: 7);
        CollectionAssert.AreEquivalent(
            new[] { "bert.pooler.dense.weight", "bert.pooler.dense.bias", "classifier.weight", "classifier.bias" },
            checkpoint.InitializedTensors.ToArray());
        Assert.IsTrue(checkpoint.HeadInitialized);
        var parameters = checkpoint.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        // N(0, initializer_range = 0.02) weights, zero biases.
        double std = parameters["bert.pooler.dense.weight"].std().item<float>();
        Assert.IsTrue(std is > 0.01 and < 0.03, $"pooler weight std {std}");
        Assert.AreEqual(0f, parameters["bert.pooler.dense.bias"].abs().max().item<float>());
        Assert.AreEqual(0f, parameters["classifier.bias"].abs().max().item<float>());
        using torch.Tensor query = TinyBertFiles.Weights(variant)["bert.encoder.layer.1.attention.self.query.weight"];
        Assert.IsTrue(parameters["bert.encoder.layer.1.attention.self.query.weight"].eq(query).all().item<bool>(), "the encoder comes from the file");

        // Half a head is a damaged file, not a new task.
        var half = new TinyBertVariant { Labels = 2 };
        using var broken = new TempFolder();
        TinyBertFiles.Write(broken.Path, half);
        using (var scope = torch.NewDisposeScope())
        {
            var tensors = Microsoft.ML.TempBalance.Checkpoints.SafetensorsReader.Open(Path.Combine(broken.Path, "model.safetensors")).ReadAll()
                .Where(p => p.Key != "classifier.bias").ToDictionary(p => p.Key, p => p.Value);
            Microsoft.ML.TempBalance.Checkpoints.ModuleCheckpoint.SaveTensors(tensors, Path.Combine(broken.Path, "model.safetensors"));
        }

        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => TextCheckpoint.Load(broken.Path)).Message, "incomplete classification head");
    }

    [TestMethod]
    public void WithLoraANewPoolerTrainsAndIsSavedWithTheAdapters()
    {
        using var folder = new TempFolder();
        string checkpoint = TinyBertFiles.Write(folder.File("base"), new TinyBertVariant { Pooler = false, Labels = 0 });
        using TextCheckpoint trained = TextCheckpoint.Load(checkpoint, new[] { "x", "y" }, seed: 5, lora: new LoraOptions { Rank = 2 });
        var parameters = trained.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.IsTrue(parameters["bert.pooler.dense.weight"].requires_grad, "the new pooler trains with the head");
        Assert.IsFalse(parameters["bert.encoder.layer.0.attention.self.query.weight"].requires_grad);
        using (torch.no_grad())
        {
            // Stand-ins for what training changed: the pooler, the adapters and the head.
            parameters["bert.pooler.dense.weight"].add_(0.5);
            parameters["bert.encoder.layer.1.attention.self.value.lora_B"].fill_(0.1);
            parameters["classifier.bias"].fill_(0.2);
        }

        string adapter = folder.File("adapter");
        trained.SaveAdapter(adapter);
        StringAssert.Contains(File.ReadAllText(Path.Combine(adapter, "adapter_config.json")), "\"pooler\"");
        using TextCheckpoint reloaded = TextCheckpoint.LoadWithAdapter(checkpoint, adapter);
        AssertSameLogits(trained, reloaded, "the cat sat", "a good movie");
    }

    // Both models' logits for one pair, in evaluation mode, bit for bit.
    private static void AssertSameLogits(TextCheckpoint expected, TextCheckpoint actual, string first, string second)
    {
        using TokenBatch batch = TokenBatch.Create(new[] { expected.Tokenizer.Encode(first, second, 24) }, expected.Tokenizer.PadId);
        expected.Model.eval();
        actual.Model.eval();
        using var noGrad = torch.no_grad();
        using torch.Tensor a = expected.Model.forward(batch.Ids, batch.Mask, batch.TypeIds);
        using torch.Tensor b = actual.Model.forward(batch.Ids, batch.Mask, batch.TypeIds);
        CollectionAssert.AreEqual(a.data<float>().ToArray(), b.data<float>().ToArray());
    }

    [TestMethod]
    public void SaveThenLoadGivesIdenticalLogitsAndHuggingFaceFiles()
    {
        using var folder = new TempFolder();
        TinyBertFiles.Write(Path.Combine(folder.Path, "in"), new TinyBertVariant { DType = "F16", Prefix = false, LegacyNames = true, Labels = 2 });
        using TextCheckpoint original = TextCheckpoint.Load(Path.Combine(folder.Path, "in"));
        string saved = Path.Combine(folder.Path, "out");
        original.Save(saved);
        foreach (string file in new[] { "config.json", "vocab.txt", "tokenizer_config.json", "model.safetensors" })
        {
            Assert.IsTrue(File.Exists(Path.Combine(saved, file)), file);
        }

        StringAssert.Contains(File.ReadAllText(Path.Combine(saved, "config.json")), "\"BertForSequenceClassification\"");
        using TextCheckpoint reloaded = TextCheckpoint.Load(saved);
        AssertSameLogits(original, reloaded, "the dog sat", "a cat played");
    }

    [TestMethod]
    public void ConfigDefaultsFollowTheFamily()
    {
        using var folder = new TempFolder();
        string path = folder.File("config.json");
        File.WriteAllText(path, "{\"model_type\": \"bert\", \"hidden_size\": 8, \"num_attention_heads\": 2}");
        EncoderConfig bert = EncoderConfig.Load(path);
        Assert.AreEqual(EncoderFamily.Bert, bert.Family);
        Assert.AreEqual(512, bert.MaxSequenceLength, "BERT positions start at 0");
        Assert.AreEqual(2, bert.TypeVocabSize);
        Assert.AreEqual(0, bert.PadTokenId);
        File.WriteAllText(path, "{\"model_type\": \"roberta\", \"hidden_size\": 8, \"num_attention_heads\": 2}");
        Assert.AreEqual(512, EncoderConfig.Load(path).MaxSequenceLength, "RoBERTa's 514 positions minus the padding offset");
        File.WriteAllText(path, "{\"model_type\": \"bert\", \"hidden_act\": \"mish\"}");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => EncoderConfig.Load(path)).Message, "hidden_act 'mish'");
    }

    [TestMethod]
    public void EncoderLayersAreTheBalancedBlocksAndThePoolerStaysAtTheBaseRate()
    {
        using var folder = new TempFolder();
        TinyBertFiles.Write(folder.Path, new TinyBertVariant());
        using TextCheckpoint checkpoint = TextCheckpoint.Load(folder.Path);
        TempBalanceOptions defaults = EncoderTextClassificationTrainer.Defaults.TempBalance();
        ParameterGrouping blocks = ParameterGrouping.Create(checkpoint.Model, defaults);
        CollectionAssert.AreEqual(new[] { "bert.encoder.layer.0", "bert.encoder.layer.1" }, blocks.Units.Select(u => u.Name).ToArray());
        Assert.AreEqual("bert.encoder.layer.1", blocks.UnitOf("bert.encoder.layer.1.output.LayerNorm.weight"), "LayerNorms share their block's rate");
        Assert.AreEqual("bert.encoder.layer.0", blocks.UnitOf("bert.encoder.layer.0.attention.self.query.bias"));
        foreach (string name in new[] { "bert.pooler.dense.weight", "classifier.weight", "bert.embeddings.word_embeddings.weight", "bert.embeddings.LayerNorm.bias" })
        {
            Assert.IsNull(blocks.UnitOf(name), name);
        }

        ParameterGrouping layers = ParameterGrouping.Create(checkpoint.Model, defaults with { Unit = BalanceUnit.Layer });
        Assert.HasCount(12, layers.Units, "six Linears per block; the pooler is excluded like the head");
        Assert.IsNull(layers.UnitOf("bert.pooler.dense.weight"));
    }

    private static (int[] Ids, int[] Types, int[] Mask) Padded(EncodedText input, int length)
    {
        int pad = length - input.Ids.Length;
        return (input.Ids.Concat(Enumerable.Repeat(TinyBertFiles.PadId, pad)).ToArray(),
            input.TypeIds.Concat(Enumerable.Repeat(0, pad)).ToArray(),
            Enumerable.Repeat(1, input.Ids.Length).Concat(Enumerable.Repeat(0, pad)).ToArray());
    }
}
