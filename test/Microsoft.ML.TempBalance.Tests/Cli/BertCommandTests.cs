using Microsoft.ML.TempBalance.Cli;
using Microsoft.ML.TempBalance.Experiments;
using Microsoft.ML.TempBalance.Tests.Text;

namespace Microsoft.ML.TempBalance.Tests.Cli;

/// <summary>The command line and the experiment harness on BERT checkpoint folders (tiny ones in Hugging Face format).</summary>
[TestClass]
public sealed class BertCommandTests
{
    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [TestMethod]
    public void ImportOnnxThenAnalyzeAndPredictOnTheFolder()
    {
        using var folder = new TempFolder();
        TinyBertFiles.Write(folder.File("tiny"), new TinyBertVariant());
        File.WriteAllBytes(folder.File("model.onnx"), OnnxTestGraphs.TinyBert(new OnnxGraphOptions()));
        string imported = folder.File("imported");
        var import = Run("import-onnx", "--model", folder.File("model.onnx"), "--vocab", TinyBertFiles.VocabPath(folder.File("tiny")), "--out", imported, "--casing", "uncased");
        Assert.AreEqual(0, import.Code, import.Error);
        StringAssert.Contains(import.Output, "bert: 2 layers, hidden 8, 2 heads, intermediate 16");
        StringAssert.Contains(import.Output, "uncased");
        StringAssert.Contains(import.Output, "12 weight(s) named by following the graph");
        StringAssert.Contains(File.ReadAllText(Path.Combine(imported, "tokenizer_config.json")), "\"do_lower_case\": true");

        var again = Run("import-onnx", "--model", folder.File("model.onnx"), "--vocab", TinyBertFiles.VocabPath(folder.File("tiny")), "--out", imported);
        Assert.AreEqual(1, again.Code);
        StringAssert.Contains(again.Error, "not empty");

        var analyze = Run("analyze", imported, "--blocks", "--min-eigenvalues", "2", "--format", "csv", "--threads", "1");
        Assert.AreEqual(0, analyze.Code, analyze.Error);
        StringAssert.Contains(analyze.Output, "encoder.layer.1.output.dense");
        StringAssert.Contains(analyze.Output, "pooler.dense");

        string input = folder.File("in.tsv");
        File.WriteAllText(input, "a\tb\nthe cat sat\ta dog\ngood movie\tbad film\n");
        var predict = Run("predict", "--model", imported, "--input", input, "--sentence1", "a", "--sentence2", "b", "--output", folder.File("out.tsv"), "--threads", "1");
        Assert.AreEqual(0, predict.Code, predict.Error);
        Assert.AreEqual("LABEL_0\tLABEL_1\tPredictedLabel", File.ReadAllLines(folder.File("out.tsv"))[0]);
        Assert.HasCount(3, File.ReadAllLines(folder.File("out.tsv")));
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(2)]
    public void TrainTextOnBertLearnsAndAFreshProcessPredictsTheSame(int loraRank)
    {
        using var folder = new TempFolder();
        string checkpoint = TinyBertFiles.Write(folder.File("ckpt"), new TinyBertVariant { Labels = 0 });
        // The label is read from the second sentence only (an animal or a film), so it has to reach the model as the pair's second segment.
        string[] firsts = { "the cat sat", "a good movie", "hello world", "the dog played" };
        string[] seconds = { "a cat", "the dog", "a movie", "the film" };
        var rows = Enumerable.Range(0, 32).Select(i => $"{firsts[i % 4]}\t{seconds[(i / 4) % 4]}\t{((i / 4) % 4 < 2 ? "animal" : "film")}");
        string train = folder.File("train.tsv");
        File.WriteAllText(train, "s1\ts2\tlabel\n" + string.Join("\n", rows) + "\n");
        string zip = folder.File("model.zip");
        var trained = Run("train-text", "--checkpoint", checkpoint, "--train", train, "--sentence1", "s1", "--sentence2", "s2", "--epochs", "100", "--batch-size", "32",
            "--learning-rate", loraRank > 0 ? "0.05" : "0.003", "--tempbalance", "--lora-rank", loraRank.ToString(System.Globalization.CultureInfo.InvariantCulture), "--seed", "3", "--threads", "2", "--out", zip);
        Assert.AreEqual(0, trained.Code, trained.Error);

        string predictions = folder.File("p.tsv");
        var predict = Run("predict", "--model", zip, "--input", train, "--sentence1", "s1", "--sentence2", "s2", "--output", predictions, "--threads", "1");
        Assert.AreEqual(0, predict.Code, predict.Error);
        string[] lines = File.ReadAllLines(predictions);
        string[] labels = File.ReadAllLines(train).Skip(1).Select(l => l.Split('\t')[2]).ToArray();
        double accuracy = lines.Skip(1).Select((l, i) => l.Split('\t')[^1] == labels[i]).Average(ok => ok ? 1.0 : 0.0);
        Assert.IsGreaterThanOrEqualTo(0.9, accuracy, $"training accuracy {accuracy:F2} (chance: 0.5; without the second segment no model can beat it)");

        string fresh = folder.File("fresh.tsv");
        (int code, string output) = ChildProcess.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "tempbalance.dll"), "predict", "--model", zip, "--input", train, "--sentence1", "s1", "--sentence2", "s2", "--output", fresh, "--threads", "1"]);
        Assert.AreEqual(0, code, output);

        CollectionAssert.AreEqual(lines, File.ReadAllLines(fresh), "the same predictions in a fresh process");
    }

    [TestMethod]
    public void AnExperimentRunsOnABertCheckpointAndOnABertConfig()
    {
        using var folder = new TempFolder();
        string checkpoint = TinyBertFiles.Write(folder.File("ckpt"), new TinyBertVariant { Labels = 0 });
        File.WriteAllText(folder.File("config.json"), """
        { "model_type": "bert", "vocab_size": 77, "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
          "intermediate_size": 128, "max_position_embeddings": 32 }
        """);
        string data = Path.Combine(AppContext.BaseDirectory, "Data").Replace("\\", "/", StringComparison.Ordinal);
        foreach (string model in new[] { $"\"checkpoint\": \"{checkpoint.Replace("\\", "/", StringComparison.Ordinal)}\"", $"\"config\": \"config.json\", \"vocab\": \"{TinyBertFiles.VocabPath(checkpoint).Replace("\\", "/", StringComparison.Ordinal)}\"" })
        {
            string spec = folder.File("spec.json");
            File.WriteAllText(spec, $$"""
            {
              "name": "tiny-bert-sotu",
              "task": { "text": { "trainFile": "{{data}}/sotu-party-train.tsv", "testFile": "{{data}}/sotu-party-test.tsv",
                                  "validationSamples": 20, "sentence1Column": "Text", {{model}}, "maxSequenceLength": 24, "threads": 2 } },
              "subsampling": "random", "ratios": [0.05], "seeds": [1],
              "grid": { "learningRate": [0.001], "batchSize": [8], "tempBalance": [false, true] },
              "epochs": 1
            }
            """);
            string results = folder.File("results-" + Guid.NewGuid().ToString("N"));
            Assert.AreEqual((2, 0, 0), new ExperimentRunner(ExperimentSpec.Load(spec), folder.Path, results).Run());
            foreach (TrialResult trial in Directory.GetFiles(Path.Combine(results, "trials")).Select(f => TrialResult.TryRead(f)!))
            {
                Assert.IsTrue(trial.Test is >= 0 and <= 1, $"error rate {trial.Test}");
                if (model.StartsWith("\"config\"", StringComparison.Ordinal))
                {
                    // Hidden 64: enough eigenvalues (≥ 50) for every encoder Linear to be analysed; the pooler and the head never are balanced.
                    CollectionAssert.IsSubsetOf(new[] { "bert.encoder.layer.0.attention.self.query", "bert.encoder.layer.1.output.dense" }, trial.AlphaBefore.Keys.ToArray(), string.Join(", ", trial.AlphaBefore.Keys));
                }
            }
        }
    }
}
