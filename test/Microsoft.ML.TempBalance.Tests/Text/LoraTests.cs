using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.Checkpoints;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.Spectral;
using Microsoft.ML.TempBalance.Text;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Text;

[TestClass]
public sealed class LoraTests
{
    private const int Rank = 2;
    private const double Alpha = 4;

    // A PEFT adapter folder written by hand: adapter_config.json and PEFT-named lora_A/lora_B tensors.
    private static Dictionary<string, (torch.Tensor A, torch.Tensor B)> WriteAdapter(string folder, int seed)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "adapter_config.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["peft_type"] = "LORA", ["task_type"] = "SEQ_CLS", ["r"] = Rank, ["lora_alpha"] = Alpha, ["lora_dropout"] = 0.1,
            ["target_modules"] = new[] { "query", "value" }, ["bias"] = "none",
        }));
        var generator = new torch.Generator((ulong)seed);
        var adapters = new Dictionary<string, (torch.Tensor, torch.Tensor)>();
        var file = new Dictionary<string, torch.Tensor>();
        for (int l = 0; l < TinyRobertaFiles.Layers; l++)
        {
            foreach (string m in new[] { "query", "value" })
            {
                string module = $"roberta.encoder.layer.{l}.attention.self.{m}";
                torch.Tensor a = torch.randn(new long[] { Rank, TinyRobertaFiles.Hidden }, generator: generator) * 0.5;
                torch.Tensor b = torch.randn(new long[] { TinyRobertaFiles.Hidden, Rank }, generator: generator) * 0.5;
                adapters[module] = (a, b);
                file[$"base_model.model.{module}.lora_A.weight"] = a;
                file[$"base_model.model.{module}.lora_B.weight"] = b;
            }
        }

        SafetensorsWriter.Write(Path.Combine(folder, "adapter_model.safetensors"), file, new Dictionary<string, string> { ["format"] = "pt" });
        return adapters;
    }

    [TestMethod]
    public void PeftAdapterChangesLogitsExactlyAsTheScaledLowRankUpdate()
    {
        using var folder = new TempFolder();
        string checkpoint = Path.Combine(folder.Path, "base");
        string adapter = Path.Combine(folder.Path, "adapter");
        Dictionary<string, torch.Tensor> weights = TinyRobertaFiles.Write(checkpoint, labels: 3, seed: 8);
        var adapters = WriteAdapter(adapter, 9);
        using TextCheckpoint model = TextCheckpoint.LoadWithAdapter(checkpoint, adapter);
        Assert.AreEqual(Rank, model.Model.Lora!.Rank);

        // W + (alpha / r)·B A, computed in double here.
        foreach ((string module, (torch.Tensor a, torch.Tensor b)) in adapters)
        {
            weights[module + ".weight"] = weights[module + ".weight"] + (Alpha / Rank) * b.to(torch.float64).matmul(a.to(torch.float64));
        }

        int[] ids = model.Tokenizer.Encode("hello world wow", null, 18).Ids;
        using var noGrad = torch.no_grad();
        model.Model.eval();
        using torch.Tensor input = torch.tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0);
        using torch.Tensor mask = torch.ones_like(input);
        float[] actual = model.Model.forward(input, mask).data<float>().ToArray();
        double[] expected = new ReferenceRoberta(weights, TinyRobertaFiles.Hidden, TinyRobertaFiles.Heads, TinyRobertaFiles.Layers).Logits(ids);
        double[] withoutAdapter = new ReferenceRoberta(TinyRobertaFiles.Weights(3, 8).ToDictionary(p => p.Key, p => p.Value.to(torch.float64)), TinyRobertaFiles.Hidden, TinyRobertaFiles.Heads, TinyRobertaFiles.Layers).Logits(ids);
        for (int i = 0; i < 3; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-5, $"logit {i}");
        }

        Assert.IsGreaterThan(1e-3, expected.Zip(withoutAdapter).Max(p => Math.Abs(p.First - p.Second)), "the adapter must change the logits");
    }

    [TestMethod]
    public void AdaptersSaveInPeftLayoutAndMergeIntoAPlainCheckpoint()
    {
        using var folder = new TempFolder();
        string checkpoint = Path.Combine(folder.Path, "base");
        TinyRobertaFiles.Write(checkpoint, labels: 3, seed: 8);
        WriteAdapter(Path.Combine(folder.Path, "adapter"), 9);
        using TextCheckpoint model = TextCheckpoint.LoadWithAdapter(checkpoint, Path.Combine(folder.Path, "adapter"));

        string saved = Path.Combine(folder.Path, "saved-adapter");
        model.SaveAdapter(saved);
        using (SafetensorsReader reader = SafetensorsReader.Open(Path.Combine(saved, "adapter_model.safetensors")))
        {
            Assert.IsTrue(reader.Contains("base_model.model.roberta.encoder.layer.1.attention.self.value.lora_B.weight"));
            Assert.IsTrue(reader.Contains("base_model.model.classifier.out_proj.weight"));
            Assert.IsFalse(reader.Tensors.Any(t => t.Name.Contains("key", StringComparison.Ordinal)));
        }

        string merged = Path.Combine(folder.Path, "merged");
        model.Save(merged, mergeLora: true);
        using TextCheckpoint plain = TextCheckpoint.Load(merged);
        Assert.IsNull(plain.Model.Lora);
        using TextCheckpoint reloaded = TextCheckpoint.LoadWithAdapter(checkpoint, saved);
        int[] ids = model.Tokenizer.Encode("wow hello", "world", 18).Ids;
        using var noGrad = torch.no_grad();
        using torch.Tensor input = torch.tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0);
        using torch.Tensor mask = torch.ones_like(input);
        foreach (var m in new[] { model, plain, reloaded })
        {
            m.Model.eval();
        }

        float[] lora = model.Model.forward(input, mask).data<float>().ToArray();
        float[] folded = plain.Model.forward(input, mask).data<float>().ToArray();
        float[] again = reloaded.Model.forward(input, mask).data<float>().ToArray();
        CollectionAssert.AreEqual(lora, again, "PEFT round trip");
        for (int i = 0; i < 3; i++)
        {
            Assert.AreEqual(lora[i], folded[i], 1e-5, "merged weights compute the same function");
        }
    }

    private sealed class Row
    {
        public string Sentence1 { get; set; } = "";

        public string Label { get; set; } = "";
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void LoraFineTuningTrainsOnlyAdaptersAndHeadAndRoundTrips(bool balance)
    {
        using var folder = new TempFolder();
        string checkpoint = Path.Combine(folder.Path, "base");
        TinyRobertaFiles.Write(checkpoint, labels: 0, seed: 3);
        var ml = new MLContext(seed: 4);
        var rows = Enumerable.Range(0, 16).Select(i => new Row { Sentence1 = i % 2 == 0 ? "hello hello" : "world wow", Label = i % 2 == 0 ? "a" : "b" }).ToList();
        IDataView data = ml.Data.LoadFromEnumerable(rows);
        var options = new EncoderTextClassificationTrainer.Options
        {
            Checkpoint = checkpoint, MaxEpochs = 2, BatchSize = 4, LearningRate = 1e-2, Seed = 1,
            Lora = new LoraOptions { Rank = Rank, Alpha = Alpha },
            TempBalance = balance ? EncoderTextClassificationTrainer.Defaults.TempBalance() with { Analyzer = new SpectralAnalyzerOptions { XminPosition = 1.5, MinEigenvalues = 4 } } : null,
        };
        EncoderTextClassificationTrainer trainer = ml.MulticlassClassification.Trainers.TextClassification(options);
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(trainer).Fit(data);

        var trained = trainer.LastResult!.Grouping.Groups.SelectMany(g => g.ParameterNames).ToList();
        Assert.IsTrue(trained.All(n => n.Contains(".lora_", StringComparison.Ordinal) || n.StartsWith("classifier.", StringComparison.Ordinal)), string.Join(", ", trained));
        Assert.HasCount(2 * 2 * TinyRobertaFiles.Layers + 4, trained);
        if (balance)
        {
            CollectionAssert.AreEqual(new[] { "roberta.encoder.layer.0", "roberta.encoder.layer.1" }, trainer.LastResult.Grouping.Units.Select(u => u.Name).ToArray());
            Assert.IsTrue(trainer.LastResult.BalanceUpdates[0].Report.Layers.All(l => l.Kind == LayerKind.LoraLinear));
        }

        string path = Path.Combine(folder.Path, "lora.zip");
        ml.Model.SaveTorchModel(model, data.Schema, path);
        ITransformer loaded = new MLContext(seed: 1).Model.LoadTorchModel(path, out _);
        float[][] before = model.Transform(data).GetColumn<float[]>("Score").ToArray();
        float[][] after = loaded.Transform(data).GetColumn<float[]>("Score").ToArray();
        for (int i = 0; i < before.Length; i++)
        {
            CollectionAssert.AreEqual(before[i], after[i]);
        }
    }

    [TestMethod]
    public void LoraBalancingMovesEachBlocksAdaptersAtItsOwnRateAndLeavesTheBaseBitIdentical()
    {
        // One AdamW step (16 rows, batch 16, no warmup, so the base rate is in force). B starts at zero, so after
        // the step each element of B is −lr_k·g/(|g| + ε) with lr_k = lr × block k's factor: the largest |B| of a
        // block is its effective rate. The factors are recomputed here from the analysed alphas with the spec's
        // TB_Sigmoid (s_low 2, s_high 1, τ 10; the block score is the mean alpha of its adapted layers).
        using var folder = new TempFolder();
        string checkpoint = Path.Combine(folder.Path, "base");
        Dictionary<string, torch.Tensor> file = TinyRobertaFiles.Write(checkpoint, labels: 0, seed: 3);
        var ml = new MLContext(seed: 4);
        var rows = Enumerable.Range(0, 16).Select(i => new Row { Sentence1 = i % 2 == 0 ? "hello hello" : "world wow", Label = i % 2 == 0 ? "a" : "b" }).ToList();
        IDataView data = ml.Data.LoadFromEnumerable(rows);
        const double rate = 1e-2;
        var options = new EncoderTextClassificationTrainer.Options
        {
            Checkpoint = checkpoint, MaxEpochs = 1, BatchSize = 16, LearningRate = rate, WarmupRatio = 0, Seed = 1,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.AdamW, Epsilon = 1e-12 },
            Lora = new LoraOptions { Rank = Rank, Alpha = Alpha },
            TempBalance = EncoderTextClassificationTrainer.Defaults.TempBalance() with { Analyzer = new SpectralAnalyzerOptions { XminPosition = 1.5, MinEigenvalues = 4 } },
        };
        EncoderTextClassificationTrainer trainer = ml.MulticlassClassification.Trainers.TextClassification(options);
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(trainer).Fit(data);
        BalanceUpdate update = trainer.LastResult!.BalanceUpdates[0];
        Assert.AreEqual(0, update.Step, "the first factors must be in force at the first step");

        double[] scores = Enumerable.Range(0, TinyRobertaFiles.Layers)
            .Select(l => update.Report.Layers.Where(x => x.Name.StartsWith($"roberta.encoder.layer.{l}.", StringComparison.Ordinal)).Average(x => x.Alpha))
            .ToArray();
        double mean = scores.Average();
        double[] expected = scores.Select(score =>
        {
            double d = score - mean;
            double sigmoid = 1 / (1 + Math.Exp(-10 * d));
            return rate * Math.Pow(10, (d > 0 ? 1.0 : 2.0) * (sigmoid - 0.5));
        }).ToArray();
        Assert.IsGreaterThan(1.2, expected.Max() / expected.Min(), $"the blocks' alphas ({string.Join(", ", scores)}) must differ enough to tell the rates apart");

        var parameters = model.LastTransformer.Checkpoint.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        for (int l = 0; l < TinyRobertaFiles.Layers; l++)
        {
            foreach (string m in new[] { "query", "value" })
            {
                string b = $"roberta.encoder.layer.{l}.attention.self.{m}.lora_B";
                Assert.AreEqual(expected[l], parameters[b].abs().max().ToDouble(), 1e-4 * expected[l], $"{b}: the largest step");
            }
        }

        int compared = 0;
        foreach ((string name, TorchSharp.Modules.Parameter parameter) in parameters.Where(p => !p.Key.Contains(".lora_", StringComparison.Ordinal) && !p.Key.StartsWith("classifier.", StringComparison.Ordinal)))
        {
            CollectionAssert.AreEqual(file[name].to(torch.float32).data<float>().ToArray(), parameter.data<float>().ToArray(), $"{name} is frozen and must not move");
            compared++;
        }

        Assert.IsGreaterThan(20, compared, "the base weights compared");
    }
}
