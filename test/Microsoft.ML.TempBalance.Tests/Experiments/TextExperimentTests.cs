using System.Text.Json;
using Microsoft.ML.TempBalance.Experiments;

namespace Microsoft.ML.TempBalance.Tests.Experiments;

/// <summary>The harness on a text task: the real State of the Union passages and a tiny RoBERTa from a config.</summary>
[TestClass]
public sealed class TextExperimentTests
{
    private static string WriteSpec(string folder, Func<string, string>? edit = null)
    {
        string data = Path.Combine(AppContext.BaseDirectory, "Data").Replace("\\", "/", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(folder, "config.json"), """
        { "model_type": "roberta", "vocab_size": 1761, "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
          "intermediate_size": 128, "max_position_embeddings": 34, "layer_norm_eps": 1e-5 }
        """);
        string json = $$"""
        {
          "name": "tiny-sotu",
          "task": { "text": { "trainFile": "{{data}}/sotu-party-train.tsv", "testFile": "{{data}}/sotu-party-test.tsv",
                              "validationSamples": 20, "sentence1Column": "Text", "config": "config.json",
                              "vocab": "{{data}}/sotu-vocab.json", "merges": "{{data}}/sotu-merges.txt",
                              "maxSequenceLength": 32, "weightDecay": 0.01, "threads": 2 } },
          "subsampling": "random",
          "ratios": [0.05, 0.1],
          "seeds": [1, 2],
          "grid": { "learningRate": [0.001], "batchSize": [8], "tempBalance": [false, true] },
          "epochs": 2
        }
        """;
        string path = Path.Combine(folder, "spec.json");
        File.WriteAllText(path, edit is null ? json : edit(json));
        return path;
    }

    [TestMethod]
    public void BadTextSpecsAreRejectedBeforeAnythingRuns()
    {
        using var folder = new TempFolder();
        string Error(Func<string, string> edit) => Assert.ThrowsExactly<InvalidDataException>(() => ExperimentSpec.Load(WriteSpec(folder.Path, edit))).Message;

        StringAssert.Contains(Error(j => j.Replace("\"sentence1Column\": \"Text\"", "\"sentence1Column\": \"Passage\"", StringComparison.Ordinal)), "no column 'Passage'");
        StringAssert.Contains(Error(j => j.Replace("\"config\": \"config.json\"", "\"config\": \"config.json\", \"checkpoint\": \".\"", StringComparison.Ordinal)), "exactly one of checkpoint");
        StringAssert.Contains(Error(j => j.Replace("[0.05, 0.1]", "[0.001, 0.1]", StringComparison.Ordinal)), "leaves no training example");
        StringAssert.Contains(Error(j => j.Replace("\"threads\": 2", "\"threads\": 2, \"kind\": \"ranking\"", StringComparison.Ordinal)), "ranking");
        StringAssert.Contains(Error(j => j.Replace("\"name\": \"tiny-sotu\",", "\"name\": \"tiny-sotu\", \"task2\": 1,", StringComparison.Ordinal)), "task2");
        string empty = Path.Combine(folder.Path, "empty.tsv");
        File.WriteAllText(empty, "Label\tYear\tText\n");
        StringAssert.Contains(Error(j => j.Replace("\"validationSamples\": 20,", $"\"validationFile\": \"{empty}\",", StringComparison.Ordinal)), "has a header but no rows");
        Assert.HasCount(8, Trial.All(ExperimentSpec.Load(WriteSpec(folder.Path))));
    }

    [TestMethod]
    public void LoraAndPerLayerArmsAreGridPointsComparedWithTheirOwnFineTuning()
    {
        using var folder = new TempFolder();
        ExperimentSpec spec = ExperimentSpec.Load(WriteSpec(folder.Path, j => j
            .Replace("\"tempBalance\": [false, true] }", "\"tempBalance\": [false, true], \"unit\": [\"task\", \"layer\"], \"loraRank\": [0, 2] }", StringComparison.Ordinal)
            .Replace("[0.05, 0.1]", "[0.05]", StringComparison.Ordinal).Replace("[1, 2]", "[1]", StringComparison.Ordinal).Replace("\"epochs\": 2", "\"epochs\": 1", StringComparison.Ordinal)));
        CollectionAssert.AreEquivalent(new[] { "FT", "TB", "TB-layer", "lora2+FT", "lora2+TB", "lora2+TB-layer" }, spec.Grid.Configurations().Select(c => c.Method).ToArray());
        // Without the new keys a configuration keeps the id it had before they existed (resumed runs find their trials).
        Assert.AreEqual("lr0.001-b8-default-tb-sigmoid-1-1", spec.Grid.Configurations().Single(c => c.Method == "TB").Key);
        string results = Path.Combine(folder.Path, "results");
        Assert.AreEqual((6, 0, 0), new ExperimentRunner(spec, folder.Path, results).Run());
        var trials = Directory.GetFiles(Path.Combine(results, "trials")).Select(f => TrialResult.TryRead(f)!).ToDictionary(t => t.Configuration.Method);
        // What each arm balanced, observed in the factors the engine applied: blocks, layers, or only the LoRA-adapted layers.
        Assert.AreEqual("roberta.encoder.layer.0", trials["TB"].LearningRateFactors[0].Factors.Keys.Order(StringComparer.Ordinal).First());
        Assert.HasCount(12, trials["TB-layer"].LearningRateFactors[0].Factors, "six Linears in each of the two blocks");
        Assert.HasCount(4, trials["lora2+TB-layer"].LearningRateFactors[0].Factors, "query and value of the two blocks carry adapters");
        Assert.IsTrue(trials["lora2+FT"].AlphaAfter.Count > 0 && trials["lora2+FT"].LearningRateFactors.Count == 0);

        ExperimentReport.Write(results, Path.Combine(folder.Path, "report"));
        string report = File.ReadAllText(Path.Combine(folder.Path, "report", "report.md"));
        StringAssert.Contains(report, "| TB-layer vs FT |");
        StringAssert.Contains(report, "| lora2+TB-layer vs lora2+FT |");
        // An encoder has blocks: the report gives the spread across them too, before and after, with its plot.
        StringAssert.Contains(report, "| alpha std across layers after | across blocks after |");
        StringAssert.Contains(report, "across blocks (a block's alpha: the mean of its layers')");
        StringAssert.Contains(report, "block-alpha-std-vs-ratio.png");
    }

    [TestMethod]
    public void ASimilarityTaskReportsTheRmseOfTheBestEpoch()
    {
        // Regression on the passages' year: only the plumbing (numeric labels, RMSE, best epoch) is under test.
        using var folder = new TempFolder();
        ExperimentSpec spec = ExperimentSpec.Load(WriteSpec(folder.Path, j => j
            .Replace("\"sentence1Column\": \"Text\"", "\"sentence1Column\": \"Text\", \"kind\": \"similarity\", \"labelColumn\": \"Year\"", StringComparison.Ordinal)
            .Replace("[0.05, 0.1]", "[0.05]", StringComparison.Ordinal).Replace("[1, 2]", "[1]", StringComparison.Ordinal)));
        string results = Path.Combine(folder.Path, "results");
        Assert.AreEqual((2, 0, 0), new ExperimentRunner(spec, folder.Path, results).Run());
        foreach (TrialResult trial in Directory.GetFiles(Path.Combine(results, "trials")).Select(f => TrialResult.TryRead(f)!))
        {
            Assert.AreEqual("RMSE", trial.Metric);
            Assert.AreEqual(trial.Validation, trial.ValidationPerEpoch[trial.BestEpoch], 1e-9);
            Assert.AreEqual(trial.ValidationPerEpoch.Min(), trial.Validation, 1e-9, "the best epoch has the lowest validation RMSE");
            // Years are 1982-2016 and the head starts near 0: an untrained-scale RMSE is in the thousands, not NaN or 0.
            Assert.IsTrue(trial.Test is > 0 and < 5000 && double.IsFinite(trial.Test), $"test RMSE {trial.Test}");
        }
    }

    [TestMethod]
    public void ATinyTextExperimentRunsAndReportsTheErrorRate()
    {
        using var folder = new TempFolder();
        ExperimentSpec spec = ExperimentSpec.Load(WriteSpec(folder.Path));
        string results = Path.Combine(folder.Path, "results");
        Assert.AreEqual((8, 0, 0), new ExperimentRunner(spec, folder.Path, results).Run());

        var trials = Directory.GetFiles(Path.Combine(results, "trials")).Select(f => TrialResult.TryRead(f)!).ToList();
        string[] lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", "sotu-party-train.tsv"));
        foreach (TrialResult trial in trials)
        {
            Assert.AreEqual("error rate", trial.Metric);
            Assert.AreEqual((int)Math.Floor(trial.Ratio * (lines.Length - 1 - 20)), trial.TrainSamples, "ratio of the pool left after the 20-row hold-out");
            Assert.HasCount(2, trial.ValidationPerEpoch);
            Assert.IsTrue(trial.Test is >= 0 and <= 1 && trial.ValidationPerEpoch.All(v => v is >= 0 and <= 1), trial.Id);
            // 185 test passages: an error rate is a multiple of 1/185.
            Assert.AreEqual(Math.Round(trial.Test * 185), trial.Test * 185, 1e-9, trial.Id);
            Assert.AreEqual(trial.Validation, trial.ValidationPerEpoch[trial.BestEpoch], 1e-12, trial.Id);
            // The text cadence (the reference code's): every max(1, batches / 10) steps, here every step.
            int steps = 2 * (int)Math.Ceiling(trial.TrainSamples / 8.0);
            Assert.IsTrue(trial.Configuration.TempBalance ? trial.LearningRateFactors.Count >= steps : trial.LearningRateFactors.Count == 0, trial.Id);
            Assert.IsTrue(trial.AlphaAfter.Keys.Any(k => k.StartsWith("roberta.encoder.layer.1.", StringComparison.Ordinal)), "encoder layers are diagnosed");
        }

        // The balanced units of a transformer are its blocks (the paper's block-wise TempBalance).
        string[] units = trials.First(t => t.Configuration.TempBalance).LearningRateFactors[0].Factors.Keys.Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(new[] { "roberta.encoder.layer.0", "roberta.encoder.layer.1" }, units);

        Assert.HasCount(1, Directory.GetDirectories(Path.Combine(results, "data"), "roberta-init-seed1-*"), "the shared initialisation is written once");

        string report = Path.Combine(folder.Path, "report");
        ExperimentReport.Write(results, report);
        string md = File.ReadAllText(Path.Combine(report, "report.md"));
        foreach (string section in new[] { "## Setup", "random weights, not pretrained", "test error rate (mean ± std)", "## TempBalance against fine-tuning", "| 0.05 | TB vs FT |", "metric-vs-ratio.png", "alpha-per-layer.png" })
        {
            StringAssert.Contains(md, section);
        }
    }
}
