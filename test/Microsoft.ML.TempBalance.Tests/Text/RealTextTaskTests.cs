using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.Text;

namespace Microsoft.ML.TempBalance.Tests.Text;

/// <summary>
/// A tiny RoBERTa built from a config alone (random init, BPE vocabulary trained on the passages) learns to tell
/// Reagan's State of the Union passages (Republican) from Obama's (Democratic), on speeches it has not seen.
/// </summary>
[TestClass]
public sealed class RealTextTaskTests
{
    private sealed class Passage
    {
        [LoadColumn(0)]
        public string Label { get; set; } = "";

        [LoadColumn(1)]
        public float Year { get; set; }

        [LoadColumn(2)]
        public string Text { get; set; } = "";
    }

    internal static string CreateTinyCheckpoint(string folder, int seed)
    {
        string data = Path.Combine(AppContext.BaseDirectory, "Data");
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(data, "sotu-vocab.json"), Path.Combine(folder, "vocab.json"));
        File.Copy(Path.Combine(data, "sotu-merges.txt"), Path.Combine(folder, "merges.txt"));
        var tokenizer = RobertaTokenizer.Load(Path.Combine(folder, "vocab.json"), Path.Combine(folder, "merges.txt"));
        var config = new EncoderConfig
        {
            VocabSize = 1761, HiddenSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 128,
            MaxPositionEmbeddings = 130, LayerNormEps = 1e-5,
        };
        using TextCheckpoint checkpoint = TextCheckpoint.Create(config, tokenizer, new[] { "LABEL_0", "LABEL_1" }, seed);
        checkpoint.Save(folder);
        return folder;
    }

    [TestMethod]
    public void TinyModelBeatsTheMajorityClassOnUnseenSpeeches()
    {
        using var folder = new TempFolder();
        string checkpoint = CreateTinyCheckpoint(Path.Combine(folder.Path, "tiny-roberta"), seed: 3);
        string data = Path.Combine(AppContext.BaseDirectory, "Data");
        var ml = new MLContext(seed: 1);
        IDataView train = ml.Data.LoadFromTextFile<Passage>(Path.Combine(data, "sotu-party-train.tsv"), '\t', hasHeader: true, allowQuoting: false);
        IDataView test = ml.Data.LoadFromTextFile<Passage>(Path.Combine(data, "sotu-party-test.tsv"), '\t', hasHeader: true, allowQuoting: false);
        string[] testLabels = test.GetColumn<string>("Label").ToArray();
        double majority = testLabels.GroupBy(l => l).Max(g => g.Count()) / (double)testLabels.Length;

        var options = new EncoderTextClassificationTrainer.Options
        {
            Checkpoint = checkpoint,
            Sentence1ColumnName = "Text",
            MaxEpochs = 6,
            BatchSize = 16,
            LearningRate = 1e-3,
            WeightDecay = 0.01,
            MaxSequenceLength = 64,
            Seed = 7,
            NumberOfThreads = AssemblySetup.TorchThreads,
        };
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.TextClassification(options))
            .Fit(train);
        MulticlassClassificationMetrics metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Console.WriteLine($"accuracy {metrics.MicroAccuracy:F3} vs majority {majority:F3}");
        Assert.IsGreaterThan(majority + 0.05, metrics.MicroAccuracy, $"accuracy {metrics.MicroAccuracy:F3}, majority baseline {majority:F3}");
    }
}
