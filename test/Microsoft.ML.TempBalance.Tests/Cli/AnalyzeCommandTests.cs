using System.Globalization;
using System.Text.Json;
using Microsoft.ML.TempBalance.Checkpoints;
using Microsoft.ML.TempBalance.Cli;
using Microsoft.ML.TempBalance.Tests.Spectral;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Cli;

[TestClass]
public sealed class AnalyzeCommandTests
{
    /// <summary>A 2-block RoBERTa-shaped checkpoint (hidden 24, FFN 48) in the Hugging Face folder layout.</summary>
    private static Dictionary<string, torch.Tensor> WriteTinyTransformer(string folder)
    {
        torch.manual_seed(31);
        var tensors = new Dictionary<string, torch.Tensor>
        {
            ["roberta.embeddings.word_embeddings.weight"] = torch.randn(50, 24),
            ["roberta.embeddings.position_embeddings.weight"] = torch.randn(40, 24),
            ["roberta.embeddings.LayerNorm.weight"] = torch.ones(24),
            ["roberta.embeddings.position_ids"] = torch.arange(40).unsqueeze(0),
            ["classifier.dense.weight"] = torch.randn(24, 24),
            ["classifier.out_proj.weight"] = torch.randn(2, 24),
        };
        TinyEncoder.AddBlocks(tensors, layers: 2, hidden: 24, ffn: 48);

        SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        File.WriteAllText(Path.Combine(folder, "config.json"), "{\"model_type\":\"roberta\",\"hidden_size\":24,\"num_hidden_layers\":2}");
        return tensors;
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        int code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [TestMethod]
    public void AnalyzePrintsTheTableAndWritesJsonCsvAndPlots()
    {
        using var folder = new TempFolder();
        string checkpoint = Directory.CreateDirectory(folder.File("ckpt")).FullName;
        string outDir = folder.File("out");
        var tensors = WriteTinyTransformer(checkpoint);
        try
        {
            var table = Run("analyze", checkpoint, "--blocks", "--min-eigenvalues", "8", "--threads", "2", "--out", outDir,
                "--esd-layer", "roberta.encoder.layer.0.attention.self.query");
            Assert.AreEqual(0, table.Code, table.Error);
            StringAssert.StartsWith(table.Output, "layer ");
            StringAssert.Contains(table.Output, "roberta.encoder.layer.1.intermediate.dense");
            StringAssert.Contains(table.Output, "14 layers, 13 eligible");
            StringAssert.Contains(table.Output, "roberta.encoder.layer.0 ");
            Assert.IsFalse(table.Output.Contains("word_embeddings", StringComparison.Ordinal), "embeddings only on request");

            // JSON: the required fields, and alpha equal to the Hill formula on the float64 SVD of the stored weight.
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "report.json")));
            JsonElement[] layers = json.RootElement.GetProperty("layers").EnumerateArray().ToArray();
            Assert.HasCount(14, layers);
            foreach (string field in new[] { "name", "shape", "eigenvalueCount", "alpha", "xmin", "xminIndex", "ksDistance", "spectralNorm", "stableRank", "alphaWeighted", "logNorm", "eligible" })
            {
                Assert.IsTrue(layers[0].TryGetProperty(field, out _), $"layer JSON lacks '{field}'");
            }

            JsonElement query = layers.Single(l => l.GetProperty("name").GetString() == "roberta.encoder.layer.0.attention.self.query");
            double expected = KnownSpectra.MedianAlpha(KnownSpectra.SquaredSingularValues(tensors["roberta.encoder.layer.0.attention.self.query.weight"]));
            Assert.AreEqual(expected, query.GetProperty("alpha").GetDouble(), 1e-3);
            CollectionAssert.AreEqual(new long[] { 24, 24 }, query.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray());
            Assert.AreEqual(24, query.GetProperty("eigenvalueCount").GetInt32());
            JsonElement head = layers.Single(l => l.GetProperty("name").GetString() == "classifier.out_proj");
            Assert.IsFalse(head.GetProperty("eligible").GetBoolean(), "2 eigenvalues < 8");
            Assert.HasCount(2, json.RootElement.GetProperty("blocks").EnumerateArray().ToArray());

            // CSV: one row per layer, same alpha as the JSON.
            string[] csv = File.ReadAllLines(Path.Combine(outDir, "layers.csv"));
            Assert.HasCount(15, csv);
            string[] columns = csv[0].Split(',');
            string[] queryRow = csv.Single(r => r.StartsWith("roberta.encoder.layer.0.attention.self.query,", StringComparison.Ordinal)).Split(',');
            Assert.AreEqual(query.GetProperty("alpha").GetDouble(), double.Parse(queryRow[Array.IndexOf(columns, "alpha")], CultureInfo.InvariantCulture), 1e-12);

            // Plots: real PNG and SVG files with content.
            foreach (string plot in new[] { "alpha-per-layer", "alpha-per-block", "esd-roberta.encoder.layer.0.attention.self.query" })
            {
                byte[] png = File.ReadAllBytes(Path.Combine(outDir, plot + ".png"));
                CollectionAssert.AreEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4], $"{plot}.png is a PNG");
                Assert.IsGreaterThan(5000, png.Length, $"{plot}.png has content");
                string svg = File.ReadAllText(Path.Combine(outDir, plot + ".svg"));
                StringAssert.Contains(svg, "<svg");
            }

            StringAssert.Contains(File.ReadAllText(Path.Combine(outDir, "alpha-per-layer.svg")), "alpha");
            StringAssert.Contains(File.ReadAllText(Path.Combine(outDir, "alpha-per-block.svg")), "across blocks");
            StringAssert.Contains(File.ReadAllText(Path.Combine(outDir, "esd-roberta.encoder.layer.0.attention.self.query.svg")), "xmin");
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    [TestMethod]
    public void JsonAndCsvGoToStdoutWithTheChosenXminStrategy()
    {
        using var folder = new TempFolder();
        var tensors = WriteTinyTransformer(folder.Path);
        try
        {
            string file = folder.File("model.safetensors");
            var json = Run("analyze", file, "--format", "json", "--xmin", "scan", "--threads", "2");
            Assert.AreEqual(0, json.Code, json.Error);
            using var document = JsonDocument.Parse(json.Output);
            Assert.AreEqual("Scan", document.RootElement.GetProperty("options").GetProperty("xmin").GetString());

            var csv = Run("analyze", file, "--format", "csv", "--xmin-position", "1.5", "--threads", "2");
            Assert.AreEqual(0, csv.Code, csv.Error);
            StringAssert.StartsWith(csv.Output, "name,kind,block,shape,eigenvalueCount,alpha");
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    [TestMethod]
    public void APathThatIsNotAModelGetsAClearError()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("notes.txt"), "hello");
        var result = Run("analyze", folder.File("notes.txt"));
        Assert.AreEqual(1, result.Code);
        StringAssert.Contains(result.Error, "notes.txt");
        StringAssert.Contains(result.Error, "expected a .safetensors file or a Hugging Face checkpoint folder");

        var empty = Run("analyze", folder.Path);
        Assert.AreEqual(1, empty.Code);
        StringAssert.Contains(empty.Error, "expected model.safetensors");

        var badOption = Run("analyze", folder.Path, "--format", "xml");
        Assert.AreEqual(2, badOption.Code);
        StringAssert.Contains(badOption.Error, "xml");
    }
}
