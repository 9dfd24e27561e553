// A text user's program, built against Microsoft.ML.TempBalance.Text alone.
// Usage:
//   TextOnlyApp fit <checkpoint folder> <train.tsv> <test.tsv> <model.zip> <threads>
//     Fine-tunes the encoder with TempBalance on Label/Sentence1 rows (TSV with a header), prints the test accuracy,
//     saves the model, reloads it and prints whether the reloaded model scores the test rows identically.
//   TextOnlyApp score <model.zip> <sentences.txt> <scores.json>
//     Loads a saved text model and writes the Score vector of each line (one sentence per line) as JSON.
using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.Text;

var ml = new MLContext(seed: 1);
switch (args)
{
    case ["fit", var checkpoint, var trainPath, var testPath, var modelPath, var threads]:
    {
        IDataView train = ml.Data.LoadFromTextFile<Row>(trainPath, separatorChar: '\t', hasHeader: true);
        IDataView test = ml.Data.LoadFromTextFile<Row>(testPath, separatorChar: '\t', hasHeader: true);
        var options = new EncoderTextClassificationTrainer.Options
        {
            Checkpoint = checkpoint, MaxEpochs = 40, BatchSize = 8, LearningRate = 5e-3, WeightDecay = 0, Seed = 1,
            NumberOfThreads = int.Parse(threads, CultureInfo.InvariantCulture),
        };
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.TextClassification(options).WithTempBalance())
            .Fit(train);
        IDataView scored = model.Transform(test);
        double accuracy = ml.MulticlassClassification.Evaluate(scored).MicroAccuracy;
        Console.WriteLine($"test accuracy {accuracy.ToString("R", CultureInfo.InvariantCulture)}");
        ml.Model.SaveTorchModel(model, train.Schema, modelPath);
        ITransformer reloaded = ml.Model.LoadTorchModel(modelPath, out _);
        float[][] before = scored.GetColumn<float[]>("Score").ToArray();
        float[][] after = reloaded.Transform(test).GetColumn<float[]>("Score").ToArray();
        Console.WriteLine($"reloaded scores identical: {before.Zip(after).All(p => p.First.SequenceEqual(p.Second))}");
        return 0;
    }

    case ["score", var modelPath, var sentencesPath, var scoresPath]:
    {
        ITransformer model = ml.Model.LoadTorchModel(modelPath, out _);
        var rows = File.ReadAllLines(sentencesPath).Select(s => new Row { Sentence1 = s, Label = "pos" }).ToList();
        float[][] scores = model.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float[]>("Score").ToArray();
        File.WriteAllText(scoresPath, JsonSerializer.Serialize(scores));
        return 0;
    }

    default:
        Console.Error.WriteLine("usage: TextOnlyApp fit <checkpoint> <train.tsv> <test.tsv> <model.zip> <threads> | score <model.zip> <sentences.txt> <scores.json>");
        return 2;
}

internal sealed class Row
{
    [LoadColumn(0)]
    public string Label { get; set; } = "";

    [LoadColumn(1)]
    public string Sentence1 { get; set; } = "";
}
