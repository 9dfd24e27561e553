using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.TempBalance.Cli;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.Tests.Text;
using Microsoft.ML.TempBalance.Text;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Cli;

[TestClass]
public sealed class PredictCommandTests
{
    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    // Probabilities from the model's forward pass and a softmax written here.
    private static double[] Probabilities(TextCheckpoint checkpoint, string text, string? pair)
    {
        int[] ids = checkpoint.Tokenizer.Encode(text, pair, checkpoint.Config.MaxSequenceLength).Ids;
        using var noGrad = torch.no_grad();
        checkpoint.Model.eval();
        using torch.Tensor input = torch.tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0);
        using torch.Tensor mask = torch.ones_like(input);
        using torch.Tensor logits = checkpoint.Model.forward(input, mask);
        double[] z = logits.to(torch.float64).data<double>().ToArray();
        double max = z.Max();
        double sum = z.Sum(v => Math.Exp(v - max));
        return z.Select(v => Math.Exp(v - max) / sum).ToArray();
    }

    [TestMethod]
    public void PredictsFromACheckpointFolderInInputOrder()
    {
        using var folder = new TempFolder();
        string checkpoint = Path.Combine(folder.Path, "ckpt");
        TinyRobertaFiles.Write(checkpoint, labels: 3, labelNames: new[] { "neg", "neu", "pos" });
        string input = Path.Combine(folder.Path, "in.tsv");
        File.WriteAllText(input, "id\ttext\tother\n1\thello world\tx\n2\twow\ty\n3\t\tz\n");
        string output = Path.Combine(folder.Path, "out.tsv");

        var (code, stdout, stderr) = Run("predict", "--model", checkpoint, "--input", input, "--sentence1", "text", "--output", output, "--threads", "2");
        Assert.AreEqual(0, code, stderr);
        StringAssert.Contains(stdout, "3 prediction(s)");
        string[] lines = File.ReadAllLines(output);
        Assert.AreEqual("id\tneg\tneu\tpos\tPredictedLabel", lines[0], "the input's id column comes through by default");
        Assert.HasCount(4, lines);
        using TextCheckpoint model = TextCheckpoint.Load(checkpoint);
        string[] texts = { "hello world", "wow", "" };
        for (int i = 0; i < texts.Length; i++)
        {
            string[] fields = lines[i + 1].Split('\t')[1..];
            Assert.AreEqual((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), lines[i + 1].Split('\t')[0]);
            double[] expected = Probabilities(model, texts[i], null);
            for (int k = 0; k < 3; k++)
            {
                Assert.AreEqual(expected[k], double.Parse(fields[k], System.Globalization.CultureInfo.InvariantCulture), 1e-6, $"row {i}, label {k}");
            }

            Assert.AreEqual(new[] { "neg", "neu", "pos" }[Array.IndexOf(expected, expected.Max())], fields[3]);
        }
    }

    [TestMethod]
    public void PredictsFromASavedZipToCsvAndJson()
    {
        using var folder = new TempFolder();
        string checkpoint = Path.Combine(folder.Path, "ckpt");
        TinyRobertaFiles.Write(checkpoint, labels: 0);
        var ml = new MLContext(seed: 1);
        var rows = new[] { new { Sentence1 = "hello", Label = "a" }, new { Sentence1 = "world", Label = "b" }, new { Sentence1 = "hello world", Label = "a" }, new { Sentence1 = "wow", Label = "b" } };
        IDataView train = ml.Data.LoadFromEnumerable(rows.Select(r => new LabelledText { Sentence1 = r.Sentence1, Label = r.Label }));
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.TextClassification(PretrainedEncoder.FromFolder(checkpoint), maxEpochs: 1, batchSize: 2))
            .Fit(train);
        string zip = Path.Combine(folder.Path, "model.zip");
        ml.Model.SaveTorchModel(model, train.Schema, zip);
        string input = Path.Combine(folder.Path, "in.csv");
        File.WriteAllText(input, "text,note\n\"hello, world\",\"say \"\"hi\"\"\"\nwow,x\n");

        string csv = Path.Combine(folder.Path, "out.csv");
        var (code, _, stderr) = Run("predict", "--model", zip, "--input", input, "--sentence1", "text", "--output", csv);
        Assert.AreEqual(0, code, stderr);
        string[] lines = File.ReadAllLines(csv);
        Assert.AreEqual("a,b,PredictedLabel", lines[0]);
        Assert.HasCount(3, lines);

        string json = Path.Combine(folder.Path, "out.json");
        Assert.AreEqual(0, Run("predict", "--model", zip, "--input", input, "--sentence1", "text", "--output", json).Code);
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(json));
        Assert.AreEqual(2, document.RootElement.GetArrayLength());
        JsonElement first = document.RootElement[0];
        Assert.AreEqual(1.0, first.GetProperty("a").GetDouble() + first.GetProperty("b").GetDouble(), 1e-5);
        Assert.AreEqual(lines[1].Split(',')[2], first.GetProperty("PredictedLabel").GetString());
    }

    [TestMethod]
    public void ABlankLineIsARowAndEveryRowKeepsItsPlace()
    {
        using var folder = new TempFolder();
        string checkpoint = Path.Combine(folder.Path, "ckpt");
        TinyRobertaFiles.Write(checkpoint, labels: 2);
        string input = Path.Combine(folder.Path, "in.tsv");
        File.WriteAllText(input, "Sentence1\nI love this movie\n\nterrible film\n");
        string output = Path.Combine(folder.Path, "out.tsv");
        var (code, stdout, stderr) = Run("predict", "--model", checkpoint, "--input", input, "--sentence1", "Sentence1", "--output", output, "--threads", "2");
        Assert.AreEqual(0, code, stderr);
        StringAssert.Contains(stdout, "3 prediction(s)");
        string[] lines = File.ReadAllLines(output);
        Assert.HasCount(4, lines);
        using TextCheckpoint model = TextCheckpoint.Load(checkpoint);
        string[] texts = { "I love this movie", "", "terrible film" };
        for (int i = 0; i < texts.Length; i++)
        {
            double expected = Probabilities(model, texts[i], null)[0];
            Assert.AreEqual(expected, double.Parse(lines[i + 1].Split('\t')[0], System.Globalization.CultureInfo.InvariantCulture), 1e-6, $"row {i} ('{texts[i]}')");
        }

        // With two columns a blank line cannot be a row: refused, with its line number.
        File.WriteAllText(input, "id\tSentence1\n1\thello\n\n3\tworld\n");
        var refused = Run("predict", "--model", checkpoint, "--input", input, "--sentence1", "Sentence1", "--output", output);
        Assert.AreEqual(1, refused.Code);
        StringAssert.Contains(refused.Error, "line 3 is empty");

        // --keep chooses the copied columns; a clash with a prediction column is refused.
        File.WriteAllText(input, "a\tb\tSentence1\nx\ty\thello\n");
        Assert.AreEqual(0, Run("predict", "--model", checkpoint, "--input", input, "--sentence1", "Sentence1", "--output", output, "--keep", "b,a").Code);
        StringAssert.StartsWith(File.ReadAllLines(output)[1], "y\tx\t");
        File.WriteAllText(input, "PredictedLabel\tSentence1\nx\thello\n");
        StringAssert.Contains(Run("predict", "--model", checkpoint, "--input", input, "--sentence1", "Sentence1", "--output", output, "--keep", "PredictedLabel").Error, "two columns named 'PredictedLabel'");
    }

    [TestMethod]
    public void ABrokenModelFileIsAOneLineError()
    {
        using var folder = new TempFolder();
        string input = Path.Combine(folder.Path, "in.tsv");
        File.WriteAllText(input, "Sentence1\nhello\n");
        string notZip = Path.Combine(folder.Path, "model.zip");
        File.WriteAllText(notZip, "this is not a zip file");
        var (code, _, stderr) = Run("predict", "--model", notZip, "--input", input, "--sentence1", "Sentence1", "--output", Path.Combine(folder.Path, "o.tsv"));
        Assert.AreEqual(1, code);
        Assert.HasCount(1, stderr.TrimEnd().Split('\n'), stderr);
        StringAssert.Contains(stderr, notZip);

        // A real saved model whose TempBalance manifest is not JSON.
        string checkpoint = Path.Combine(folder.Path, "ckpt");
        TinyRobertaFiles.Write(checkpoint, labels: 0);
        var ml = new MLContext(seed: 1);
        IDataView train = ml.Data.LoadFromEnumerable(new[] { new LabelledText { Sentence1 = "hello", Label = "a" }, new LabelledText { Sentence1 = "world", Label = "b" } });
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.TextClassification(PretrainedEncoder.FromFolder(checkpoint), maxEpochs: 1, batchSize: 2)).Fit(train);
        string zip = Path.Combine(folder.Path, "saved.zip");
        ml.Model.SaveTorchModel(model, train.Schema, zip);
        model.LastTransformer.Dispose();
        using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Update))
        {
            System.IO.Compression.ZipArchiveEntry manifest = archive.Entries.Single(e => e.Name == "manifest.json" && e.FullName.Contains("TempBalance", StringComparison.OrdinalIgnoreCase));
            string name = manifest.FullName;
            manifest.Delete();
            using var writer = new StreamWriter(archive.CreateEntry(name).Open());
            writer.Write("{ not json");
        }

        var broken = Run("predict", "--model", zip, "--input", input, "--sentence1", "Sentence1", "--output", Path.Combine(folder.Path, "o.tsv"));
        Assert.AreEqual(1, broken.Code);
        Assert.HasCount(1, broken.Error.TrimEnd().Split('\n'), broken.Error);
        StringAssert.Contains(broken.Error, zip);
    }

    public sealed class LabelledText
    {
        public string Sentence1 { get; set; } = "";

        public string Label { get; set; } = "";
    }

    [TestMethod]
    public void MissingColumnsAndModelsAreNamed()
    {
        using var folder = new TempFolder();
        string checkpoint = Path.Combine(folder.Path, "ckpt");
        TinyRobertaFiles.Write(checkpoint, labels: 2);
        string input = Path.Combine(folder.Path, "in.tsv");
        File.WriteAllText(input, "id\tsentence\n1\thello\n");
        var (code, _, stderr) = Run("predict", "--model", checkpoint, "--input", input, "--sentence1", "text", "--output", Path.Combine(folder.Path, "o.tsv"));
        Assert.AreEqual(1, code);
        StringAssert.Contains(stderr, "no column 'text' (--sentence1); its columns are: id, sentence");
        Assert.IsFalse(File.Exists(Path.Combine(folder.Path, "o.tsv")));
        var missing = Run("predict", "--model", Path.Combine(folder.Path, "nope"), "--input", input, "--sentence1", "sentence", "--output", Path.Combine(folder.Path, "o.tsv"));
        Assert.AreEqual(1, missing.Code);
        StringAssert.Contains(missing.Error, "nope");
        Assert.AreEqual(2, Run("predict", "--input", input).Code, "required options are enforced by the parser");
    }
}

[TestClass]
public sealed class TrainTextCommandTests
{
    [TestMethod]
    public void TrainsSavesExportsAndPredicts()
    {
        using var folder = new TempFolder();
        string checkpoint = Path.Combine(folder.Path, "ckpt");
        TinyRobertaFiles.Write(checkpoint, labels: 0);
        string train = Path.Combine(folder.Path, "train.tsv");
        File.WriteAllText(train, "sentence\tlabel\n" + string.Concat(Enumerable.Range(0, 12).Select(i => i % 2 == 0 ? "hello hello\tpos\n" : "world wow\tneg\n")));
        string zip = Path.Combine(folder.Path, "model.zip");
        string export = Path.Combine(folder.Path, "hf");
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(new[] { "train-text", "--checkpoint", checkpoint, "--train", train, "--sentence1", "sentence", "--epochs", "2", "--batch-size", "4",
            "--learning-rate", "0.01", "--tempbalance", "--lora-rank", "2", "--threads", "2", "--out", zip, "--export", export }, output, error);
        Assert.AreEqual(0, code, error.ToString());
        StringAssert.Contains(output.ToString(), "Epoch 2: loss");
        StringAssert.Contains(output.ToString(), "step 6/6");
        Assert.IsTrue(File.Exists(zip));
        Assert.IsTrue(File.Exists(Path.Combine(export, "model.safetensors")));

        string predictions = Path.Combine(folder.Path, "p.tsv");
        Assert.AreEqual(0, CliApp.Run(new[] { "predict", "--model", zip, "--input", train, "--sentence1", "sentence", "--output", predictions }, new StringWriter(), new StringWriter()));
        string[] header = File.ReadAllLines(predictions)[0].Split('\t');
        CollectionAssert.AreEqual(new[] { "pos", "neg", "PredictedLabel" }, header);

        // A fresh process loads the saved zip (the CLI assembly sits next to the tests).
        string fresh = Path.Combine(folder.Path, "fresh.tsv");
        (int freshCode, string freshOutput) = ChildProcess.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "tempbalance.dll"), "predict", "--model", zip, "--input", train, "--sentence1", "sentence", "--output", fresh, "--threads", "1"]);
        Assert.AreEqual(0, freshCode, freshOutput);

        CollectionAssert.AreEqual(File.ReadAllLines(predictions), File.ReadAllLines(fresh), "the same predictions in a fresh process");

        // The exported folder plus a PEFT adapter folder: --adapter on a checkpoint folder.
        string adapterFolder = Path.Combine(folder.Path, "adapter");
        using (TextCheckpoint base_ = TextCheckpoint.Load(checkpoint, new[] { "pos", "neg" }, seed: 1, lora: new LoraOptions { Rank = 2 }))
        {
            base_.SaveAdapter(adapterFolder);
        }

        string withAdapter = Path.Combine(folder.Path, "adapter.tsv");
        var adapterError = new StringWriter();
        Assert.AreEqual(0, CliApp.Run(new[] { "predict", "--model", checkpoint, "--adapter", adapterFolder, "--input", train, "--sentence1", "sentence", "--output", withAdapter }, new StringWriter(), adapterError), adapterError.ToString());
        Assert.HasCount(13, File.ReadAllLines(withAdapter));

        var bad = new StringWriter();
        Assert.AreEqual(1, CliApp.Run(new[] { "train-text", "--checkpoint", checkpoint, "--train", train, "--sentence1", "text", "--out", zip }, new StringWriter(), bad));
        StringAssert.Contains(bad.ToString(), "no column 'text'");
    }
}
