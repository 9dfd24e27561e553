using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.Runtime;
using Microsoft.ML.TempBalance.Text;
using TorchSharp;
using static System.FormattableString;

namespace TempBalance.Benchmarks;

/// <summary>
/// Training throughput of the ML.NET text trainer against a bare TorchSharp loop over the same module and batches:
/// a RoBERTa-base-shaped model (random weights, 12 x 768, FFN 3072) in a checkpoint folder, batch 16, sequence
/// length 128, AdamW, 2 torch threads. Also the peak resident memory of the process after the ML.NET fit.
/// </summary>
internal static class TextThroughputBenchmark
{
    private const int BatchSize = 16;
    private const int Length = 128;

    public static void Run(int steps)
    {
        TorchRuntime.SetThreadCount(2);
        string folder = Directory.CreateTempSubdirectory("tb-throughput-").FullName;
        try
        {
            string checkpoint = WriteCheckpoint(folder);
            int examples = BatchSize * (steps + 1); // one extra step to warm up each route
            var random = new Random(1);
            var rows = Enumerable.Range(0, examples).Select(i => new Row
            {
                Sentence1 = new string(Enumerable.Range(0, Length * 2).Select(_ => (char)('a' + random.Next(26))).ToArray()),
                Label = i % 2 == 0 ? "a" : "b",
            }).ToList();
            Console.WriteLine(Invariant($"machine: {Environment.ProcessorCount} logical cores, {Environment.OSVersion}, .NET {Environment.Version}; torch threads 2"));
            Console.WriteLine(Invariant($"setting: RoBERTa-base shape, batch {BatchSize}, sequence {Length}, {steps} measured steps (+1 warm-up) per route"));

            // ML.NET route: MapValueToKey + TextClassification, one epoch over steps + 1 batches, no shuffling effect on cost.
            var ml = new MLContext(seed: 1);
            IDataView data = ml.Data.LoadFromEnumerable(rows);
            var options = new TextClassificationTrainer.Options
            {
                Checkpoint = checkpoint, MaxEpochs = 1, BatchSize = BatchSize, MaxSequenceLength = Length, Seed = 1, NumberOfThreads = 2,
                Reporter = new StepClock(),
            };
            var clock = (StepClock)options.Reporter;
            var total = Stopwatch.StartNew();
            var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.TextClassification(options)).Fit(data);
            double fitSeconds = total.Elapsed.TotalSeconds;
            double mlnetPerStep = clock.MeasuredSecondsPerStep;
            long peak = PeakResidentBytes();
            ((IDisposable)model.LastTransformer).Dispose();

            // Bare TorchSharp route: the same module class, checkpoint, tokenization, optimizer and batches.
            using TextCheckpoint bare = TextCheckpoint.Load(checkpoint, new[] { "a", "b" }, seed: 1);
            EncodedText[] encoded = rows.Select(r => bare.Tokenizer.Encode(r.Sentence1, null, Length)).ToArray();
            long[] labels = rows.Select(r => r.Label == "a" ? 0L : 1L).ToArray();
            using var optimizer = torch.optim.AdamW(bare.Model.parameters(), 2e-5, weight_decay: 0.1);
            bare.Model.train();
            var stepTimes = new List<double>();
            for (int step = 0; step <= steps; step++)
            {
                var watch = Stopwatch.StartNew();
                using (var scope = torch.NewDisposeScope())
                {
                    using TokenBatch batch = TokenBatch.Create(encoded.Skip(step * BatchSize).Take(BatchSize).ToList(), bare.Tokenizer.PadId);
                    torch.Tensor target = torch.tensor(labels.Skip(step * BatchSize).Take(BatchSize).ToArray());
                    optimizer.zero_grad();
                    torch.Tensor loss = torch.nn.functional.cross_entropy(bare.Model.forward(batch.Ids, batch.Mask, batch.TypeIds), target);
                    loss.backward();
                    torch.nn.utils.clip_grad_norm_(bare.Model.parameters(), 1.0);
                    optimizer.step();
                    _ = loss.item<float>();
                }

                stepTimes.Add(watch.Elapsed.TotalSeconds);
            }

            double barePerStep = stepTimes.Skip(1).Average();
            Console.WriteLine(Invariant($"ML.NET trainer (engine steps, after warm-up): {mlnetPerStep:F2} s/step = {BatchSize / mlnetPerStep:F2} examples/s; whole Fit incl. loading and tokenizing: {fitSeconds:F1} s"));
            Console.WriteLine(Invariant($"bare TorchSharp loop (after warm-up):         {barePerStep:F2} s/step = {BatchSize / barePerStep:F2} examples/s"));
            Console.WriteLine(Invariant($"overhead of the ML.NET trainer: {100 * (mlnetPerStep / barePerStep - 1):F1}%"));
            Console.WriteLine(Invariant($"peak resident memory after the ML.NET fit (full fine-tuning): {peak / (1024.0 * 1024 * 1024):F2} GiB"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed class Row
    {
        public string Sentence1 { get; set; } = "";

        public string Label { get; set; } = "";
    }

    // Times engine steps 1..n (step 0 warms up); the reporter is called right after each optimizer step.
    private sealed class StepClock : Microsoft.ML.TempBalance.Training.ITrainingReporter
    {
        private readonly Stopwatch _watch = new();
        private int _measured;

        public double MeasuredSecondsPerStep => _watch.Elapsed.TotalSeconds / Math.Max(1, _measured - 1);

        public void StepCompleted(Microsoft.ML.TempBalance.Training.TrainingProgress progress)
        {
            if (progress.Step == 0)
            {
                _watch.Restart();
            }

            _measured++;
        }
    }

    private static string WriteCheckpoint(string folder)
    {
        var vocab = new Dictionary<string, int> { ["<s>"] = 0, ["<pad>"] = 1, ["</s>"] = 2, ["<unk>"] = 3 };
        for (char c = 'a'; c <= 'z'; c++)
        {
            vocab[c.ToString()] = vocab.Count;
        }

        vocab["<mask>"] = vocab.Count;
        File.WriteAllText(Path.Combine(folder, "vocab.json"), JsonSerializer.Serialize(vocab));
        File.WriteAllText(Path.Combine(folder, "merges.txt"), "#version: 0.2\n");
        var config = new EncoderConfig { LayerNormEps = 1e-5 };
        using TextCheckpoint model = TextCheckpoint.Create(config, RobertaTokenizer.Load(Path.Combine(folder, "vocab.json"), Path.Combine(folder, "merges.txt")), new[] { "a", "b" }, seed: 0);
        model.Save(folder);
        return folder;
    }

    private static long PeakResidentBytes()
    {
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? Environment.WorkingSet : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
