using Microsoft.ML.TempBalance.IO;
using System.CommandLine;
using System.Globalization;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.Runtime;
using Microsoft.ML.TempBalance.Text;
using Microsoft.ML.TempBalance.Training;
using Spectre.Console;
using CliCommand = System.CommandLine.Command;

namespace Microsoft.ML.TempBalance.Cli;

/// <summary>
/// <c>tempbalance train-text</c>: fine-tunes a Hugging Face RoBERTa or BERT checkpoint on a TSV/CSV file (GLUE-style
/// columns) for classification or sentence similarity, optionally with TempBalance and LoRA, and saves the model.
/// </summary>
internal static class TrainTextCommand
{
    public static CliCommand Create(TextWriter output, TextWriter error)
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Hugging Face RoBERTa or BERT checkpoint folder.", Required = true };
        var train = new Option<string>("--train") { Description = "Training TSV (or .csv) with a header row.", Required = true };
        var validation = new Option<string?>("--validation") { Description = "Validation file (same columns); the best epoch is kept." };
        var label = new Option<string>("--label") { Description = "Label column.", DefaultValueFactory = _ => "label" };
        var sentence1 = new Option<string>("--sentence1") { Description = "(First) text column.", Required = true };
        var sentence2 = new Option<string?>("--sentence2") { Description = "Second text column (sentence pairs)." };
        var task = new Option<string>("--task") { Description = "classification or similarity.", DefaultValueFactory = _ => "classification" };
        task.AcceptOnlyFromAmong("classification", "similarity");
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => EncoderTextClassificationTrainer.Defaults.MaxEpochs };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => EncoderTextClassificationTrainer.Defaults.BatchSize };
        var rate = new Option<double>("--learning-rate") { DefaultValueFactory = _ => EncoderTextClassificationTrainer.Defaults.LearningRate };
        var maxLength = new Option<int>("--max-length") { DefaultValueFactory = _ => 128 };
        var tempBalance = new Option<bool>("--tempbalance") { Description = "Balance learning rates per encoder block (TB_Sigmoid, the paper's setting)." };
        var sLow = new Option<double>("--s-low") { Description = "TB_Sigmoid scale at or below the mean alpha.", DefaultValueFactory = _ => 2.0 };
        var sHigh = new Option<double>("--s-high") { Description = "TB_Sigmoid scale above the mean alpha.", DefaultValueFactory = _ => 1.0 };
        var loraRank = new Option<int>("--lora-rank") { Description = "Train LoRA adapters of this rank (query and value, alpha = 2 x rank) instead of all weights; 0 = full fine-tuning.", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "Torch threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var outPath = new Option<string>("--out") { Description = "The model .zip to write (loadable with LoadTorchModel and by predict).", Required = true };
        var export = new Option<string?>("--export") { Description = "Also export a Hugging Face checkpoint folder (LoRA merged)." };
        var command = new CliCommand("train-text", "Fine-tune a RoBERTa or BERT checkpoint on a TSV/CSV file and save the model.")
        {
            checkpoint, train, validation, label, sentence1, sentence2, task, epochs, batch, rate, maxLength, tempBalance, sLow, sHigh, loraRank, seed, threads, outPath, export,
        };
        var trainingState = new TrainingStateOptions();
        trainingState.AddTo(command);
        command.SetAction(parsed =>
        {
            try
            {
                TorchRuntime.SetThreadCount(Math.Max(1, parsed.GetValue(threads)));
                bool similarity = parsed.GetValue(task) == "similarity";
                var ml = new MLContext(seed: parsed.GetValue(seed));
                var columns = new Columns(parsed.GetValue(label)!, parsed.GetValue(sentence1)!, parsed.GetValue(sentence2));
                IDataView trainData = Load(ml, parsed.GetValue(train)!, columns, similarity);
                IDataView? validationData = parsed.GetValue(validation) is { } v ? Load(ml, v, columns, similarity) : null;
                var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
                var reporter = new ConsoleReporter(console);
                int rank = parsed.GetValue(loraRank);
                TrainingCheckpointOptions? state = trainingState.Read(parsed);
                void Configure(TextTrainerOptions o)
                {
                    o.Checkpoint = parsed.GetValue(checkpoint);
                    o.Sentence1ColumnName = "Sentence1";
                    o.Sentence2ColumnName = columns.Sentence2 is null ? null : "Sentence2";
                    o.MaxEpochs = parsed.GetValue(epochs);
                    o.BatchSize = parsed.GetValue(batch);
                    o.LearningRate = parsed.GetValue(rate);
                    o.MaxSequenceLength = parsed.GetValue(maxLength);
                    o.Seed = parsed.GetValue(seed);
                    o.NumberOfThreads = parsed.GetValue(threads);
                    o.ValidationSet = validationData;
                    o.Reporter = reporter;
                    o.TrainingState = state;
                    o.Lora = rank > 0 ? new LoraOptions { Rank = rank, Alpha = 2 * rank } : null;
                    o.TempBalance = parsed.GetValue(tempBalance)
                        ? EncoderTextClassificationTrainer.Defaults.TempBalance() with { Mapping = new SigmoidMapping(parsed.GetValue(sLow), parsed.GetValue(sHigh)) }
                        : null;
                }

                ITransformer model;
                TextTransformer fitted;
                if (similarity)
                {
                    if (columns.Sentence2 is null)
                    {
                        throw new ArgumentException("--task similarity needs --sentence2.");
                    }

                    var options = new EncoderSentenceSimilarityTrainer.Options();
                    Configure(options);
                    fitted = ml.Regression.Trainers.SentenceSimilarity(options).Fit(trainData);
                    model = fitted;
                }
                else
                {
                    var options = new EncoderTextClassificationTrainer.Options();
                    Configure(options);
                    var chain = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.TextClassification(options)).Fit(trainData);
                    fitted = chain.LastTransformer;
                    model = chain;
                }

                string path = parsed.GetValue(outPath)!;
                ml.Model.SaveTorchModel(model, trainData.Schema, path);
                output.WriteLine($"Saved {path}");
                if (parsed.GetValue(export) is { } folder)
                {
                    fitted.Checkpoint.Save(folder, mergeLora: true);
                    output.WriteLine($"Exported a Hugging Face checkpoint to {folder}");
                }

                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException or NotSupportedException or TrainingDivergedException)
            {
                error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private sealed record Columns(string Label, string Sentence1, string? Sentence2);

    private sealed class TextRow
    {
        public string Sentence1 { get; set; } = "";

        public string Sentence2 { get; set; } = "";

        public string Label { get; set; } = "";
    }

    private sealed class ScoreRow
    {
        public string Sentence1 { get; set; } = "";

        public string Sentence2 { get; set; } = "";

        public float Label { get; set; }
    }

    private static IDataView Load(MLContext ml, string path, Columns columns, bool similarity)
    {
        DelimitedTable table = DelimitedTable.Read(path);
        int label = table.Column(columns.Label, "--label");
        int first = table.Column(columns.Sentence1, "--sentence1");
        int? second = columns.Sentence2 is null ? null : table.Column(columns.Sentence2, "--sentence2");
        if (table.Rows.Count == 0)
        {
            throw new InvalidDataException($"'{path}' has a header but no rows.");
        }

        if (!similarity)
        {
            return ml.Data.LoadFromEnumerable(table.Rows.Select((r, i) => new TextRow
            {
                Sentence1 = r[first],
                Sentence2 = second is int s ? r[s] : "",
                Label = table.Label(i, label, regression: false),
            }).ToList());
        }

        return ml.Data.LoadFromEnumerable(table.Rows.Select((r, i) => new ScoreRow
        {
            Sentence1 = r[first],
            Sentence2 = second is int s ? r[s] : "",
            Label = float.Parse(table.Label(i, label, regression: true), NumberStyles.Float, CultureInfo.InvariantCulture),
        }).ToList());
    }

    private sealed class ConsoleReporter(IAnsiConsole console) : ITrainingReporter
    {
        public void Message(string text) => console.WriteLine(text);

        public void StepCompleted(TrainingProgress progress)
        {
            if (progress.Step % 10 == 0 || progress.Step == progress.TotalSteps - 1)
            {
                double done = (progress.Step + 1) / (double)progress.TotalSteps;
                double eta = progress.ElapsedSeconds / done - progress.ElapsedSeconds;
                console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  step {progress.Step + 1}/{progress.TotalSteps} [{new string('#', (int)(20 * done)).PadRight(20)}] loss {progress.Loss:G4}, ETA {eta:F0} s"));
            }
        }
    }
}
