using System.Text.RegularExpressions;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Experiments;
using Microsoft.ML.TempBalance.Training;

namespace Microsoft.ML.TempBalance.Tests.Experiments;

[TestClass]
public sealed class ExperimentTests
{
    internal const string TinySpec = """
    {
      "name": "tiny-darcy",
      "task": { "pde": { "equation": "darcy", "resolution": 16, "poolSamples": 20, "validationSamples": 8, "testSamples": 8,
                         "modes": 4, "width": 16, "stepSizeEpochs": 10, "threads": 2 } },
      "ratios": [0.5, 1.0],
      "seeds": [1, 2, 3],
      "grid": { "learningRate": [0.005], "batchSize": [5], "tempBalance": [false, true], "sLow": [1.0], "sHigh": [1.0] },
      "epochs": 2
    }
    """;

    private static string WriteSpec(string folder, string json)
    {
        string path = Path.Combine(folder, "spec.json");
        File.WriteAllText(path, json);
        return path;
    }

    [TestMethod]
    public void BadSpecsAreRejectedBeforeAnythingRuns()
    {
        using var folder = new TempFolder();
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ExperimentSpec.Load(WriteSpec(folder.Path, TinySpec.Replace("\"epochs\": 2", "\"epochs\": 2, \"epoch\": 3", StringComparison.Ordinal)))).Message, "epoch");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ExperimentSpec.Load(WriteSpec(folder.Path, TinySpec.Replace("[0.5, 1.0]", "[0.5, 1.5]", StringComparison.Ordinal)))).Message, "(0, 1]");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ExperimentSpec.Load(WriteSpec(folder.Path, TinySpec.Replace("\"equation\": \"darcy\",", "\"trainFile\": \"missing.hdf5\", \"validationFile\": \"v.hdf5\", \"testFile\": \"t.hdf5\",", StringComparison.Ordinal)))).Message, "missing.hdf5");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ExperimentSpec.Load(WriteSpec(folder.Path, TinySpec.Replace("\"epochs\": 2", "\"epochs\": 2, \"maxTrials\": 5", StringComparison.Ordinal)))).Message, "12 trials, more than maxTrials = 5");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ExperimentSpec.Load(WriteSpec(folder.Path, TinySpec.Replace("\"epochs\": 2", "\"epochs\": 0", StringComparison.Ordinal)))).Message, "pochs");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ExperimentSpec.Load(WriteSpec(folder.Path, TinySpec.Replace("[1, 2, 3]", "[]", StringComparison.Ordinal)))).Message, "seeds");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ExperimentSpec.Load(WriteSpec(folder.Path, TinySpec.Replace("\"equation\": \"darcy\",", "\"equation\": \"darcy\", \"loss\": \"l1\",", StringComparison.Ordinal)))).Message, "task.pde.loss 'l1'");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ExperimentSpec.Load(WriteSpec(folder.Path, TinySpec.Replace("\"equation\": \"darcy\",", "\"equation\": \"darcy\", \"normalize\": \"minmax\",", StringComparison.Ordinal)))).Message, "task.pde.normalize 'minmax'");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ExperimentSpec.Load(WriteSpec(folder.Path, TinySpec.Replace("\"epochs\": 2", "\"epochs\": 2,,", StringComparison.Ordinal)))).Message, "spec.json");
        Assert.HasCount(12, Trial.All(ExperimentSpec.Load(WriteSpec(folder.Path, TinySpec))));
    }

    [TestMethod]
    public void CommittedSpecsAreValid()
    {
        string root = RepositoryPaths.Root;
        // The MiniLM specs name experiments/models/minilm, which a user fills with `dotnet run --project
        // src/Samples/Pretrained -- minilm experiments/models/minilm` (git-ignored); a fresh clone lacks it, so do the same.
        string minilm = Path.Combine(root, "experiments", "models", "minilm");
        if (!File.Exists(Path.Combine(minilm, "model.safetensors")))
        {
            string staging = minilm + ".tmp-" + Guid.NewGuid().ToString("N");
            Directory.CreateDirectory(staging);
            foreach (string file in Directory.GetFiles(Microsoft.ML.TempBalance.Samples.MiniLm.Checkpoint()))
            {
                File.Copy(file, Path.Combine(staging, Path.GetFileName(file)));
            }

            if (Directory.Exists(minilm))
            {
                Directory.Delete(minilm, recursive: true);
            }

            Directory.Move(staging, minilm);
        }

        string[] specs = Directory.GetFiles(Path.Combine(root, "experiments"), "*.json");
        Assert.IsNotEmpty(specs);
        foreach (string spec in specs)
        {
            ExperimentSpec loaded = ExperimentSpec.Load(spec);
            Assert.IsGreaterThan(0, Trial.All(loaded).Count, spec);
        }
    }

    // The arms beyond the paper: a spectral-weight arm and cadence arms, each its own TB method against the same FT.
    [TestMethod]
    public void CadenceAndSpectralWeightArmsAreSeparateMethods()
    {
        using var folder = new TempFolder();
        string json = TinySpec.Replace("\"sHigh\": [1.0] }", "\"sHigh\": [1.0], \"cadence\": [\"task\", \"budget:0.05\"], \"spectralWeights\": [false, true] }", StringComparison.Ordinal);
        ExperimentSpec spec = ExperimentSpec.Load(WriteSpec(folder.Path, json));
        var methods = spec.Grid.Configurations().Select(c => c.Method).ToList();
        CollectionAssert.AreEquivalent(new[] { "FT", "TB", "TB-spectral", "TB-budget0.05", "TB-spectral-budget0.05" }, methods);
        TrialConfiguration budget = spec.Grid.Configurations().Single(c => c.Method == "TB-spectral-budget0.05");
        Assert.AreEqual("lr0.005-b5-default-tb-sigmoid-1-1-spectral-cadence-budget0.05", budget.Key);
        Assert.AreEqual("lr0.005-b5-default-tb-sigmoid-1-1", spec.Grid.Configurations().Single(c => c.Method == "TB").Key, "the default arm keeps its old id");
        Assert.IsTrue(ExperimentGrid.TryParseCadence("budget:0.05", out var parsed) && parsed is BudgetCadence { Fraction: 0.05 });
        Assert.IsTrue(ExperimentGrid.TryParseCadence("steps:3", out parsed) && parsed is StepCadence { Interval: 3 });
        foreach (string bad in new[] { "budget:1.5", "steps:0", "epoch:2", "" })
        {
            string refused = TinySpec.Replace("\"sHigh\": [1.0] }", $"\"sHigh\": [1.0], \"cadence\": [\"{bad}\"] }}", StringComparison.Ordinal);
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ExperimentSpec.Load(WriteSpec(folder.Path, refused))).Message, "grid.cadence");
        }
    }

    // Adding an arm to a finished grid: the new experiment takes the old folder's trials instead of running them again.
    [TestMethod]
    public void ANewArmReusesTheFinishedTrialsOfTheSameProtocol()
    {
        using var folder = new TempFolder();
        ExperimentSpec first = ExperimentSpec.Load(WriteSpec(folder.Path, TinySpec));
        var old = new ExperimentRunner(first, folder.Path, folder.File("old"));
        Assert.AreEqual(3, old.Run(stopAfter: 3).Run);

        string arms = Directory.CreateDirectory(folder.File("arms")).FullName;
        string json = TinySpec.Replace("\"tiny-darcy\"", "\"tiny-darcy-arms\"", StringComparison.Ordinal)
            .Replace("\"sHigh\": [1.0] }", "\"sHigh\": [1.0], \"spectralWeights\": [false, true] }", StringComparison.Ordinal);
        ExperimentSpec second = ExperimentSpec.Load(WriteSpec(arms, json));
        var runner = new ExperimentRunner(second, arms, folder.File("new"));
        Assert.AreEqual(18, runner.Trials.Count, "FT, TB and TB-spectral");
        Assert.AreEqual(3, runner.Reuse(folder.File("old")));
        foreach (string file in Directory.GetFiles(Path.Combine(folder.File("old"), "trials")))
        {
            CollectionAssert.AreEqual(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(folder.File("new"), "trials", Path.GetFileName(file))));
        }

        Assert.AreEqual(0, runner.Reuse(folder.File("old")), "trials already here are kept");
        string otherEpochs = Directory.CreateDirectory(folder.File("epochs")).FullName;
        ExperimentSpec longer = ExperimentSpec.Load(WriteSpec(otherEpochs, TinySpec.Replace("\"epochs\": 2", "\"epochs\": 3", StringComparison.Ordinal)));
        var refused = new ExperimentRunner(longer, otherEpochs, folder.File("longer"));
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => refused.Reuse(folder.File("old"))).Message, "another protocol");
    }

    // The paper tunes the learning rate and batch size per ratio; perRatio replaces the grid's at the ratios it names.
    [TestMethod]
    public void PerRatioEntriesSetTheLearningRatesAndBatchSizesSearchedAtTheirRatios()
    {
        using var folder = new TempFolder();
        const string PerRatio = "\"perRatio\": [ { \"ratios\": [1.0], \"learningRate\": [0.01, 0.02], \"batchSize\": [4] } ],\n  \"epochs\": 2";
        string json = TinySpec.Replace("\"epochs\": 2", PerRatio, StringComparison.Ordinal);
        ExperimentSpec spec = ExperimentSpec.Load(WriteSpec(folder.Path, json));
        IReadOnlyList<Trial> trials = Trial.All(spec);
        Assert.HasCount(18, trials, "0.5: one rate x FT, TB x 3 seeds; 1.0: two rates x FT, TB x 3 seeds");
        CollectionAssert.AreEquivalent(new[] { (0.005, 5) }, trials.Where(t => t.Ratio == 0.5).Select(t => (t.Configuration.LearningRate, t.Configuration.BatchSize)).Distinct().ToArray());
        CollectionAssert.AreEquivalent(new[] { (0.01, 4), (0.02, 4) }, trials.Where(t => t.Ratio == 1.0).Select(t => (t.Configuration.LearningRate, t.Configuration.BatchSize)).Distinct().ToArray());
        Assert.IsTrue(trials.Any(t => t.Id == "r1-s2-lr0.02-b4-default-tb-sigmoid-1-1"));

        // A rate-only entry keeps the grid's batch size.
        ExperimentSpec ratesOnly = ExperimentSpec.Load(WriteSpec(folder.Path, json.Replace(", \"batchSize\": [4]", "", StringComparison.Ordinal)));
        CollectionAssert.AreEquivalent(new[] { 5 }, Trial.All(ratesOnly).Select(t => t.Configuration.BatchSize).Distinct().ToArray());

        foreach ((string bad, string message) in new[]
        {
            ("[ { \"ratios\": [0.3], \"learningRate\": [0.01] } ]", "perRatio names ratio 0.3"),
            ("[ { \"ratios\": [1.0], \"learningRate\": [0.01] }, { \"ratios\": [1.0], \"batchSize\": [2] } ]", "ratio 1 is in more than one"),
            ("[ { \"ratios\": [1.0] } ]", "a learningRate or batchSize"),
            ("[ { \"ratios\": [1.0], \"learningRate\": [] } ]", "positive values"),
            ("[ { \"ratios\": [1.0], \"batchSize\": [0] } ]", "positive values"),
        })
        {
            string refused = TinySpec.Replace("\"epochs\": 2", $"\"perRatio\": {bad}, \"epochs\": 2", StringComparison.Ordinal);
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ExperimentSpec.Load(WriteSpec(folder.Path, refused))).Message, message);
        }

        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ExperimentSpec.Load(WriteSpec(folder.Path, json.Replace("\"epochs\": 2", "\"epochs\": 2, \"maxTrials\": 17", StringComparison.Ordinal)))).Message, "18 trials");

        // Retuning one ratio keeps the finished trials of the others: they are reused, and the report names the rates searched at each ratio.
        string oldSpec = Directory.CreateDirectory(folder.File("old-spec")).FullName;
        Assert.AreEqual(2, new ExperimentRunner(ExperimentSpec.Load(WriteSpec(oldSpec, TinySpec)), oldSpec, folder.File("old")).Run(stopAfter: 2).Run);
        var runner = new ExperimentRunner(spec, folder.Path, folder.File("new"));
        Assert.AreEqual(2, runner.Reuse(folder.File("old")));
        ExperimentReport.Write(folder.File("new"), folder.File("report"));
        StringAssert.Contains(File.ReadAllText(Path.Combine(folder.File("report"), "report.md")), "ratio 0.5: 2 configurations (learning rates 0.005; batch 5); ratio 1: 4 configurations (learning rates 0.01, 0.02; batch 4); 18 trials expected, 2 found");
    }

    [TestMethod]
    public void AFolderWrittenBeforeAGridKeyExistedStillResumes()
    {
        using var folder = new TempFolder();
        ExperimentSpec spec = ExperimentSpec.Load(WriteSpec(folder.Path, TinySpec));
        string results = Path.Combine(folder.Path, "results");
        Directory.CreateDirectory(results);

        // The stored copy as an older version wrote it: no "unit", "loraRank", "cadence" or "spectralWeights" in the grid (all at their defaults).
        var old = System.Text.Json.Nodes.JsonNode.Parse(spec.ToJson())!.AsObject();
        JsonObjectRemove(old["grid"]!.AsObject(), "unit", "loraRank", "cadence", "spectralWeights");
        JsonObjectRemove(old, "perRatio");
        File.WriteAllText(Path.Combine(results, "spec.json"), old.ToJsonString());
        Assert.AreEqual(12, new ExperimentRunner(spec, folder.Path, results).Trials.Count);

        // A different experiment is still refused.
        File.WriteAllText(Path.Combine(results, "spec.json"), spec.ToJson().Replace("\"epochs\": 2", "\"epochs\": 3", StringComparison.Ordinal));
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => new ExperimentRunner(spec, folder.Path, results)).Message, "different experiment");
    }

    private static void JsonObjectRemove(System.Text.Json.Nodes.JsonObject node, params string[] keys)
    {
        foreach (string key in keys)
        {
            Assert.IsTrue(node.Remove(key), key);
        }
    }

    [TestMethod]
    public void ShardsPartitionTheTrials()
    {
        using var folder = new TempFolder();
        IReadOnlyList<Trial> all = Trial.All(ExperimentSpec.Load(WriteSpec(folder.Path, TinySpec)));
        foreach (int count in new[] { 1, 3, 5, 12, 20 })
        {
            var ids = Enumerable.Range(0, count).SelectMany(i => Trial.Shard(all, i, count)).Select(t => t.Id).ToList();
            CollectionAssert.AreEquivalent(all.Select(t => t.Id).ToList(), ids, $"{count} shards");
        }

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Trial.Shard(all, 3, 3));
    }

    [TestMethod]
    public void AKilledRunResumesToTheSameReportAndCorruptResultsAreRerun()
    {
        using var folder = new TempFolder();
        ExperimentSpec spec = ExperimentSpec.Load(WriteSpec(folder.Path, TinySpec));
        string straight = Path.Combine(folder.Path, "straight");
        string resumed = Path.Combine(folder.Path, "resumed");
        Assert.AreEqual((12, 0, 0), new ExperimentRunner(spec, folder.Path, straight).Run());

        // "Killed" after 5 trials, then rerun; a corrupted file is re-run, not merged.
        Assert.AreEqual((5, 0, 0), new ExperimentRunner(spec, folder.Path, resumed).Run(stopAfter: 5));

        // Trials run in id order (ratio, seed, configuration): after 5, ratio 0.5 lacks TB's third seed and ratio 1 has nothing.
        ExperimentReport.Write(resumed, Path.Combine(folder.Path, "report-partial"));
        StringAssert.Contains(
            File.ReadAllText(Path.Combine(folder.Path, "report-partial", "report.md")),
            "may change when the missing trials finish: ratio 0.5 TB: 2 of 3 trials; ratio 1 FT: 0 of 3 trials; ratio 1 TB: 0 of 3 trials.");
        string first = Directory.GetFiles(Path.Combine(resumed, "trials")).Order(StringComparer.Ordinal).First();
        File.WriteAllText(first, "{ not json");
        var log = new List<string>();
        var progress = new ProgressRecorder();
        Assert.AreEqual((8, 4, 1), new ExperimentRunner(spec, folder.Path, resumed).Run(log: log.Add, progress: progress, trialReporter: progress));
        Assert.IsTrue(log.Any(l => l.Contains("is corrupt; re-running", StringComparison.Ordinal)));

        // Every trial is reported once as skipped or as started then finished; the time left is only estimated from
        // trials that ran in this invocation, and every trial that ran reported each of its epochs.
        Assert.HasCount(4, progress.Events.Where(e => e.Event == TrialEvent.Skipped));
        Assert.HasCount(8, progress.Events.Where(e => e.Event == TrialEvent.Started));
        Assert.HasCount(8, progress.Events.Where(e => e.Event == TrialEvent.Finished));
        Assert.IsTrue(progress.Events.TakeWhile(e => e.Event != TrialEvent.Finished).All(e => e.EtaSeconds is null));
        Assert.IsTrue(progress.Events.SkipWhile(e => e.Event != TrialEvent.Finished).All(e => e.EtaSeconds is >= 0));
        Assert.AreEqual(0, progress.Events[^1].EtaSeconds);
        CollectionAssert.AreEqual(Enumerable.Range(1, 12).ToList(), progress.Events.Where(e => e.Event != TrialEvent.Started).Select(e => e.Done).ToList());
        Assert.AreEqual(8 * spec.Epochs, progress.Epochs);

        ExperimentReport.Write(straight, Path.Combine(folder.Path, "report-a"));
        ExperimentReport.Write(resumed, Path.Combine(folder.Path, "report-b"));
        string a = File.ReadAllText(Path.Combine(folder.Path, "report-a", "report.md"));
        Assert.AreEqual(a, File.ReadAllText(Path.Combine(folder.Path, "report-b", "report.md")));
        Assert.DoesNotContain("Incomplete", a);

        foreach (string section in new[] { "## Setup", "## Results", "## TempBalance against fine-tuning", "## Plots", "| 0.5 | TB |", "| 1 | FT |", "metric-vs-ratio.png", "alpha-std-vs-ratio.png", "alpha-per-layer.png", "learning-rate-factors.png" })
        {
            StringAssert.Contains(a, section);
        }

        Assert.IsTrue(File.Exists(Path.Combine(folder.Path, "report-a", "learning-rate-factors.svg")));

        // A method keeps its colour from figure to figure, and the methods' colours differ.
        var metricColours = LegendColours(Path.Combine(folder.Path, "report-a", "metric-vs-ratio.svg"));
        Assert.AreNotEqual(metricColours["FT"], metricColours["TB"]);
        foreach (string figure in new[] { "alpha-std-vs-ratio.svg", "alpha-per-layer.svg" })
        {
            var colours = LegendColours(Path.Combine(folder.Path, "report-a", figure));
            Assert.AreEqual(metricColours["FT"], colours["FT"], figure);
            Assert.AreEqual(metricColours["TB"], colours["TB"], figure);
        }

        Assert.ThrowsExactly<InvalidDataException>(() => new ExperimentRunner(spec with { Epochs = 3 }, folder.Path, straight), "a folder of another experiment is refused");
    }

    // The legend of a ScottPlot SVG: each entry's label, then the stroke of its line sample.
    private static Dictionary<string, string> LegendColours(string svg) =>
        Regex.Matches(File.ReadAllText(svg), @"<text[^>]*>\s*([^<]+?)\s*</text>\s*<path fill=""none"" stroke=""(#[0-9A-Fa-f]{6})""")
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);

    private sealed class ProgressRecorder : IProgress<ExperimentProgress>, ITrainingReporter
    {
        public List<ExperimentProgress> Events { get; } = [];

        public int Epochs { get; private set; }

        public void Report(ExperimentProgress value) => Events.Add(value);

        public void EpochCompleted(EpochSummary epoch) => Epochs++;
    }
}
