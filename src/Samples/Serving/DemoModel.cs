using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.Text;

namespace Microsoft.ML.TempBalance.Samples.Serving;

/// <summary>A model worth serving in a minute: MiniLM fine-tuned for one epoch on 32 passages of the party task.</summary>
public static class DemoModel
{
    public static void Train(string path, int seed)
    {
        string checkpoint = MiniLm.Checkpoint(Console.WriteLine);
        var rows = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Data", "sotu-party-train.tsv")).Skip(1)
            .Select(l => l.Split('\t')).Select(f => new Passage { Label = f[0], Sentence1 = f[2] }).ToArray();
        new Random(seed).Shuffle(rows);
        var ml = new MLContext(seed: seed);
        IDataView train = ml.Data.LoadFromEnumerable(rows.Take(32));
        var options = new EncoderTextClassificationTrainer.Options { Checkpoint = checkpoint, MaxEpochs = 1, BatchSize = 16, LearningRate = 2e-4, Seed = seed, NumberOfThreads = 2 };
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.TextClassification(options).WithTempBalance())
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(train);
        ml.Model.SaveTorchModel(model, train.Schema, path);
        Console.WriteLine($"Saved {path}");
    }

    private sealed class Passage
    {
        public string Label { get; set; } = "";

        public string Sentence1 { get; set; } = "";
    }
}
