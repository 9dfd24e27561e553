using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.Schedules;
using Microsoft.ML.TempBalance.Training;

namespace Microsoft.ML.TempBalance.Text;

/// <summary>The fit shared by the text trainers: read and tokenize the data, load the checkpoint, train, wrap.</summary>
internal static class TextFineTuning
{
    internal sealed record Settings(
        string? Checkpoint, TextColumns Columns, int BatchSize, int MaxEpochs, double LearningRate, double WeightDecay, double WarmupRatio,
        int MaxSequenceLength, IDataView? ValidationSet, int? Seed, int Threads, OptimizerSettings Optimizer, double? GradientClipNorm, TempBalanceOptions? TempBalance, LoraOptions? Lora, ITrainingReporter? Reporter, TrainingCheckpointOptions? TrainingState = null);

    public static (TextTransformer Transformer, TrainingResult Result) Fit(IHostEnvironment environment, string name, Settings settings, IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        IHost host = environment.Register(name);
        using IChannel channel = host.Start("Training");
        TextColumns columns = settings.Columns;
        columns.Check(input.Schema, withLabel: true);
        string checkpointPath = settings.Checkpoint
            ?? throw new ArgumentException("No checkpoint: set Options.Checkpoint (or the checkpoint argument) to a Hugging Face RoBERTa or BERT folder.", nameof(settings));
        string[] labels = columns.Regression ? new[] { "score" } : KeyNames(input.Schema[columns.Label]);
        // Without a seed of its own, a resumed fit takes the one it started with (the MLContext would draw another).
        int seed = settings.Seed ?? TrainingCheckpoint.SeedToResume(settings.TrainingState) ?? host.Rand.Next();
        TextCheckpoint checkpoint = TextCheckpoint.Load(checkpointPath, labels, seed, settings.Lora);
        try
        {
            int maxLength = Math.Min(settings.MaxSequenceLength, checkpoint.Config.MaxSequenceLength);
            List<TextExample> train = Read(input, columns, labels, checkpoint.Tokenizer, maxLength, "training");
            if (train.Count == 0)
            {
                throw new ArgumentException("The training data is empty.", nameof(input));
            }

            List<TextExample>? validation = settings.ValidationSet is null ? null : Read(settings.ValidationSet, columns, labels, checkpoint.Tokenizer, maxLength, "validation");
            if (checkpoint.HeadInitialized)
            {
                channel.Info(MessageSensitivity.None, $"The checkpoint has no head for this task; a new one with {labels.Length} output(s) was initialised (seed {seed}).");
            }

            var engine = new TrainingEngine(new TrainingOptions
            {
                Epochs = settings.MaxEpochs,
                BatchSize = settings.BatchSize,
                Seed = seed,
                LearningRate = settings.LearningRate,
                WeightDecay = settings.WeightDecay,
                Schedule = new ScheduleSettings { Kind = ScheduleKind.LinearWarmupDecay, WarmupRatio = settings.WarmupRatio },
                Optimizer = settings.Optimizer,
                GradientClipNorm = settings.GradientClipNorm,
                TempBalance = settings.TempBalance,
                Threads = settings.Threads,
                Checkpoint = settings.TrainingState,
            });
            // The encoder's configuration (dropout, activation, ...) decides the run too; its weights are checked by name and shape.
            string described = System.Text.Json.JsonSerializer.Serialize(new { columns.Regression, labels, settings.Lora, checkpoint.Config });
            var task = new TextTrainingTask(train, validation, checkpoint.Tokenizer.PadId, columns.Regression, settings.BatchSize, described);
            TrainingResult result = engine.Train(checkpoint.Model, task, new ChannelReporter(channel, settings.Reporter));
            return (new TextTransformer(checkpoint, columns, maxLength, settings.BatchSize), result);
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    private static string[] KeyNames(DataViewSchema.Column label)
    {
        var keyType = (KeyDataViewType)label.Type;
        if (label.Annotations.Schema.GetColumnOrNull(MLNet.SchemaShapes.KeyValues) is null)
        {
            return Enumerable.Range(0, (int)keyType.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }

        VBuffer<ReadOnlyMemory<char>> names = default;
        label.GetKeyValues(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }

    private static List<TextExample> Read(IDataView data, TextColumns columns, string[] labels, TextTokenizer tokenizer, int maxLength, string what)
    {
        columns.Check(data.Schema, withLabel: true);
        string[] names = columns.Regression ? labels : KeyNames(data.Schema[columns.Label]);
        var examples = new List<TextExample>();
        using DataViewRowCursor cursor = data.GetRowCursor(data.Schema.Where(c => c.Name == columns.Label || c.Name == columns.Sentence1 || c.Name == columns.Sentence2));
        ValueGetter<ReadOnlyMemory<char>> first = cursor.GetGetter<ReadOnlyMemory<char>>(data.Schema[columns.Sentence1]);
        ValueGetter<ReadOnlyMemory<char>>? second = columns.Sentence2 is null ? null : cursor.GetGetter<ReadOnlyMemory<char>>(data.Schema[columns.Sentence2]);
        ValueGetter<uint>? key = columns.Regression ? null : cursor.GetGetter<uint>(data.Schema[columns.Label]);
        ValueGetter<float>? target = columns.Regression ? cursor.GetGetter<float>(data.Schema[columns.Label]) : null;
        uint keyValue = 0;
        float targetValue = 0;
        ReadOnlyMemory<char> a = default, b = default;
        while (cursor.MoveNext())
        {
            int index = 0;
            if (key is not null)
            {
                key(ref keyValue);
                if (keyValue == 0 || keyValue > names.Length)
                {
                    throw new InvalidDataException($"Row {cursor.Position} of the {what} data has a missing label in column '{columns.Label}'.");
                }

                index = Array.IndexOf(labels, names[keyValue - 1]);
                if (index < 0)
                {
                    throw new InvalidDataException($"Row {cursor.Position} of the {what} data has label '{names[keyValue - 1]}', which the training labels ({string.Join(", ", labels)}) do not include.");
                }
            }
            else
            {
                target!(ref targetValue);
                if (!float.IsFinite(targetValue))
                {
                    throw new InvalidDataException($"Row {cursor.Position} of the {what} data has label {targetValue} in column '{columns.Label}'; a finite number is expected.");
                }
            }

            first(ref a);
            second?.Invoke(ref b);
            examples.Add(new TextExample(tokenizer.Encode(a.ToString(), second is null ? null : b.ToString(), maxLength), index, targetValue));
        }

        return examples;
    }

    // Forwards progress to the ML.NET channel and to the caller's reporter, if any.
    private sealed class ChannelReporter(IChannel channel, ITrainingReporter? next) : ITrainingReporter
    {
        public void Message(string text)
        {
            channel.Info(MessageSensitivity.None, text);
            next?.Message(text);
        }

        public void StepCompleted(TrainingProgress progress) => next?.StepCompleted(progress);

        public void EpochCompleted(EpochSummary epoch) => next?.EpochCompleted(epoch);

        public void Balanced(BalanceUpdate update)
        {
            next?.Balanced(update);
            Trace(update);
        }

        private void Trace(BalanceUpdate update) =>
            channel.Trace(MessageSensitivity.None, $"TempBalance at step {update.Step}: alpha mean {update.AlphaMean:F3}, std {update.AlphaStd:F3} across layers, {update.BlockAlphaStd:F3} across blocks, factors {string.Join(" ", update.Units.Select(u => u.Factor.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))}");
    }
}
