using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.Runtime;
using Microsoft.ML.TempBalance.SciML.Generators;
using Microsoft.ML.TempBalance.SciML.MLNet;
using Microsoft.ML.TempBalance.Sweeps;
using Microsoft.ML.TempBalance.Tests.Text;
using Microsoft.ML.TempBalance.Text;
using Microsoft.ML.TempBalance.TorchSharpInterop;
using Microsoft.ML.TorchSharp;
using Microsoft.ML.TorchSharp.NasBert;

[assembly: DoNotParallelize]

namespace Microsoft.ML.TempBalance.Coexistence.Tests;

/// <summary>
/// Both packages referenced and both namespaces imported (this file's usings). Every call the README and the XML docs
/// show must compile here and bind to our methods; if one became ambiguous, this project would not build.
/// </summary>
[TestClass]
public sealed class CoexistenceTests
{
    private sealed class Row
    {
        public string Label { get; set; } = "";

        public string Sentence { get; set; } = "";
    }

    private static List<Row> Rows(int count) => Enumerable.Range(0, count).Select(i => new Row
    {
        Label = i % 2 == 0 ? "animal" : "film",
        Sentence = i % 2 == 0 ? "the cat sat on the mat" : "a good movie, a great film",
    }).ToList();

    [ClassInitialize]
    public static void Initialize(TestContext context)
    {
        _ = context;
        TorchRuntime.SetThreadCount(2);
    }

    [TestMethod]
    public void DocumentedCallsBindToOurTrainersAndMlNetsCallsToTheirs()
    {
        var ml = new MLContext(seed: 1);
        PretrainedEncoder encoder = PretrainedEncoder.FromFolder("minilm/");
        IDataView validation = ml.Data.LoadFromEnumerable(Rows(2));

        // The README's calls.
        EncoderTextClassificationTrainer readme = ml.MulticlassClassification.Trainers
            .TextClassification(encoder, sentence1ColumnName: "Sentence", maxEpochs: 10)
            .WithTempBalance();
        EncoderTextClassificationTrainer plain = ml.MulticlassClassification.Trainers.TextClassification(encoder);
        EncoderTextClassificationTrainer withValidation = ml.MulticlassClassification.Trainers.TextClassification(encoder, validationSet: validation);
        EncoderTextClassificationTrainer positional = ml.MulticlassClassification.Trainers.TextClassification(encoder, "Label", "Sentence");
        EncoderSentenceSimilarityTrainer similarity = ml.Regression.Trainers.SentenceSimilarity(encoder).WithTempBalance();
        EncoderTextClassificationTrainer options = ml.MulticlassClassification.Trainers.TextClassification(new EncoderTextClassificationTrainer.Options
        {
            Checkpoint = "minilm/", Sentence1ColumnName = "Sentence", Lora = new LoraOptions(), TempBalance = EncoderTextClassificationTrainer.Defaults.TempBalance(),
        });
        EncoderSentenceSimilarityTrainer similarityOptions = ml.Regression.Trainers.SentenceSimilarity(new EncoderSentenceSimilarityTrainer.Options { Checkpoint = "minilm/" });
        foreach (object trainer in new object[] { readme, plain, withValidation, positional, similarity, options, similarityOptions })
        {
            StringAssert.StartsWith(trainer.GetType().Namespace, "Microsoft.ML.TempBalance", trainer.GetType().FullName);
        }

        Assert.AreEqual("Sentence", positional.TrainerOptions.Sentence1ColumnName);
        Assert.IsNotNull(readme.TrainerOptions.TempBalance);

        // The README's switching example.
        var mlnetOptions = new TextClassificationTrainer.TextClassificationOptions { Sentence1ColumnName = "Text", MaxEpoch = 10 };
        EncoderTextClassificationTrainer switched = ml.MulticlassClassification.Trainers.TextClassification(PretrainedEncoder.FromFolder("minilm/"), mlnetOptions).WithTempBalance();
        Assert.AreEqual("Text", switched.TrainerOptions.Sentence1ColumnName);

        // The README's sweep (compiled, not run: it would fine-tune MiniLM).
        IDataView train = validation;
        Func<SweepResult> readmeSweep = () =>
        {
            var space = new SweepSpace { LearningRates = new[] { 2e-5, 5e-5, 1e-4 }, TempBalance = new[] { false, true }, LoraRanks = new[] { 0, 8 } };
            SweepResult sweep = ml.Sweep(train, t => ml.Transforms.Conversion.MapValueToKey("Label").Append(
                    ml.MulticlassClassification.Trainers.TextClassification(new EncoderTextClassificationTrainer.Options
                    {
                        Checkpoint = "minilm/", Sentence1ColumnName = "Sentence", LearningRate = t.LearningRate, BatchSize = t.BatchSize,
                        Lora = t.Lora, TempBalance = t.Balance(EncoderTextClassificationTrainer.Defaults.TempBalance()),
                    })),
                SweepMetric.MicroAccuracy(ml), space, new SweepOptions { Folds = 5, TimeBudget = TimeSpan.FromHours(2) });
            return sweep;
        };
        Assert.IsNotNull(readmeSweep);

        // The README's PDE calls (ML.NET has no trainer of these names, but its regression catalog is the same object).
        IDataView darcy = ml.Data.LoadFromPdeDataset(PdeGenerators.Darcy(2, 16, seed: 1));
        PdeRegressionTrainer fno = ml.Regression.Trainers.FourierNeuralOperator(new PdeRegressionTrainer.Options
            { GridShape = new[] { 16, 16 }, SingleStep = true, MaxEpochs = 500 }).WithTempBalance();
        PdeRegressionTrainer unet = ml.Regression.Trainers.UNet(new[] { 16, 16 }, "Label", "Features", maxEpochs: 1);
        Func<PdeEvaluation> evaluate = () => ml.Regression.EvaluatePde(fno.Fit(darcy).Transform(darcy), new[] { 16, 16 });
        Assert.IsNotNull(evaluate);
        Assert.AreEqual(256, ((VectorDataViewType)darcy.Schema["Label"].Type).Size);
        Assert.IsNotNull(unet.TrainerOptions);

        // ML.NET's own calls keep binding to ML.NET (a string first argument is its label column).
        Microsoft.ML.TorchSharp.NasBert.TextClassificationTrainer theirs = ml.MulticlassClassification.Trainers.TextClassification("Label", "Sentence");
        Microsoft.ML.TorchSharp.NasBert.SentenceSimilarityTrainer theirSimilarity = ml.Regression.Trainers.SentenceSimilarity("Label", "Sentence1", "Sentence2");
        Assert.AreEqual("Microsoft.ML.TorchSharp.NasBert", theirs.GetType().Namespace);
        Assert.AreEqual("Microsoft.ML.TorchSharp.NasBert", theirSimilarity.GetType().Namespace);
    }

    [TestMethod]
    public void MlNetsOptionsObjectsSwitchOverInOneCall()
    {
        var ml = new MLContext(seed: 1);
        IDataView validation = ml.Data.LoadFromEnumerable(Rows(2));
        var theirs = new TextClassificationTrainer.TextClassificationOptions
        {
            LabelColumnName = "L", Sentence1ColumnName = "S1", Sentence2ColumnName = "S2", ScoreColumnName = "Sc", PredictionColumnName = "P", BatchSize = 8,
            MaxEpoch = 3, ValidationSet = validation, WarmupRatio = 0.1, ClipNorm = 2, WeightDecay = 0.05, LearningRate = new List<double> { 3e-5 },
            AdamBetas = new List<double> { 0.8, 0.99 }, AdamEps = 1e-6,
        };
        EncoderTextClassificationTrainer.Options ours = ml.MulticlassClassification.Trainers.TextClassification(PretrainedEncoder.FromFolder("minilm/"), theirs).WithTempBalance().TrainerOptions;
        Assert.AreEqual(("minilm/", "L", "S1", "S2", "Sc", "P"), (ours.Checkpoint, ours.LabelColumnName, ours.Sentence1ColumnName, ours.Sentence2ColumnName, ours.ScoreColumnName, ours.PredictedLabelColumnName));
        Assert.AreEqual((8, 3, 0.1, 2.0, 0.05, 3e-5), (ours.BatchSize, ours.MaxEpochs, ours.WarmupRatio, ours.GradientClipNorm, ours.WeightDecay, ours.LearningRate));
        Assert.AreEqual((0.8, 0.99, 1e-6), (ours.Optimizer.Beta1, ours.Optimizer.Beta2, ours.Optimizer.Epsilon));
        Assert.AreSame(validation, ours.ValidationSet);
        Assert.IsNotNull(ours.TempBalance);

        var similarity = new SentenceSimilarityTrainer.SentenceSimilarityOptions { Sentence1ColumnName = "A", Sentence2ColumnName = "B", MaxEpoch = 2 };
        EncoderSentenceSimilarityTrainer.Options mapped = ml.Regression.Trainers.SentenceSimilarity(PretrainedEncoder.FromFolder("minilm/"), similarity).TrainerOptions;
        Assert.AreEqual(("A", "B", 2, 0.01), (mapped.Sentence1ColumnName, mapped.Sentence2ColumnName, mapped.MaxEpochs, mapped.WeightDecay));

        // ML.NET's defaults (label "Label", sentence "Sentence") fit our trainer as they are.
        string folder = Path.Combine(Path.GetTempPath(), "tb-options-" + Guid.NewGuid().ToString("N"));
        try
        {
            string checkpoint = TinyBertFiles.Write(folder, new TinyBertVariant { Labels = 0 });
            IDataView data = ml.Data.LoadFromEnumerable(Rows(8));
            var defaults = new TextClassificationTrainer.TextClassificationOptions { MaxEpoch = 1, BatchSize = 4 };
            var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.TextClassification(PretrainedEncoder.FromFolder(checkpoint), defaults)).Fit(data);
            Assert.HasCount(8, model.Transform(data).GetColumn<float[]>("Score").ToList());
            model.LastTransformer.Dispose();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void AMixedPipelineSavesLoadsInAFreshProcessAndScoresIdentically()
    {
        string folder = Path.Combine(Path.GetTempPath(), "tb-coexistence-" + Guid.NewGuid().ToString("N"));
        try
        {
            string checkpoint = TinyBertFiles.Write(Path.Combine(folder, "ckpt"), new TinyBertVariant { Labels = 0 });
            var ml = new MLContext(seed: 1);
            IDataView data = ml.Data.LoadFromEnumerable(Rows(16));
            // ML.NET transforms, an ML.NET trainer (its outputs kept under other names) and ours, in one chain.
            var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.Transforms.Text.NormalizeText("Normalized", "Sentence"))
                .Append(ml.Transforms.Text.FeaturizeText("Features", "Normalized"))
                .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy())
                .Append(ml.Transforms.CopyColumns("SdcaScore", "Score"))
                .Append(ml.MulticlassClassification.Trainers.TextClassification(PretrainedEncoder.FromFolder(checkpoint), sentence1ColumnName: "Normalized", maxEpochs: 2, batchSize: 4)
                    .WithTempBalance(EncoderTextClassificationTrainer.Defaults.TempBalance() with { Analyzer = new Spectral.SpectralAnalyzerOptions { XminPosition = 1.5, MinEigenvalues = 4 } }));
            var model = pipeline.Fit(data);
            string zip = Path.Combine(folder, "mixed.zip");
            ml.Model.SaveTorchModel(model, data.Schema, zip);

            string input = Path.Combine(folder, "input.tsv");
            File.WriteAllLines(input, new[] { "Label\tSentence" }.Concat(Rows(6).Select(r => $"{r.Label}\t{r.Sentence}")));
            string expected = Path.Combine(folder, "here.tsv"), fresh = Path.Combine(folder, "fresh.tsv");
            Score(zip, input, expected, inProcess: true);
            Score(zip, input, fresh, inProcess: false);
            string[] here = File.ReadAllLines(expected);
            CollectionAssert.AreEqual(new[] { "SdcaScore", "Score" }, here[0].Split('\t'), "both models' scores are written");
            CollectionAssert.AreEqual(here, File.ReadAllLines(fresh), "the same scores in a fresh process");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // The fresh-process scorer's program, run here (in this process) or as its own process.
    private static void Score(string zip, string input, string output, bool inProcess)
    {
        string scorer = Path.Combine(AppContext.BaseDirectory, "FreshProcessScoring.dll");
        if (inProcess)
        {
            var entry = System.Reflection.Assembly.LoadFrom(scorer).EntryPoint!;
            Assert.AreEqual(0, entry.Invoke(null, new object[] { new[] { zip, input, output } }));
            return;
        }

        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in new[] { scorer, zip, input, output })
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, error);
    }
}
