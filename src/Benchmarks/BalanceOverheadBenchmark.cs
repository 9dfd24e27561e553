using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Schedules;
using Microsoft.ML.TempBalance.Text;
using Microsoft.ML.TempBalance.Text.Modules;
using Microsoft.ML.TempBalance.Training;
using TorchSharp;
using static System.FormattableString;

namespace TempBalance.Benchmarks;

/// <summary>
/// TempBalance's overhead in the paper's lowest-data SST-2 setting: the text trainers' RoBERTa classifier at
/// RoBERTa-base size (random weights), 13 examples, batch 4, sequence length 128, AdamW with warmup + linear decay,
/// 2 torch threads, and the text trainers' TempBalance defaults. One run without balancing, then one per cadence:
/// (a) the reference cadence min(100, max(1, 4/10)) = every step, (b) every epoch, (c) Budget(0.05). The overhead is
/// the balancer's share of its own run's wall time.
/// </summary>
internal static class BalanceOverheadBenchmark
{
    private const int Examples = 13;
    private const int BatchSize = 4;
    private const int Length = 128;

    public static void Run(int epochs)
    {
        int stepsPerEpoch = (Examples + BatchSize - 1) / BatchSize;
        var runs = new (string Name, BalanceCadence? Cadence)[]
        {
            ("no balancing (FT)", null),
            ("(a) reference cadence, every step", BalanceCadence.Reference(stepsPerEpoch)),
            ("(b) every epoch", BalanceCadence.EveryEpochs(1)),
            ("(c) Budget(0.05)", BalanceCadence.Budget(0.05)),
        };
        Console.WriteLine(Invariant($"machine: {Environment.ProcessorCount} logical cores, {Environment.OSVersion}, .NET {Environment.Version}; torch threads 2"));
        Console.WriteLine(Invariant($"setting: {Examples} examples, batch {BatchSize}, sequence {Length}, {epochs} epochs = {stepsPerEpoch * epochs} steps"));
        Train(1, null); // warm-up: native allocator, JIT and thread pools, so the first measured run is not penalised
        double? baseline = null;
        foreach ((string name, BalanceCadence? cadence) in runs)
        {
            TrainingResult result = Train(epochs, cadence);
            double perStep = (result.TotalSeconds - result.BalanceSeconds) / result.Steps;
            baseline ??= result.TotalSeconds;
            Console.WriteLine(Invariant(
                $"{name,-36} total {result.TotalSeconds,7:F1} s, analyses {result.BalanceUpdates.Count,3} x {(result.BalanceUpdates.Count > 0 ? result.BalanceSeconds / result.BalanceUpdates.Count : 0),5:F2} s = {result.BalanceSeconds,6:F1} s, share {100 * result.BalanceSeconds / result.TotalSeconds,5:F1}%, vs FT {100 * (result.TotalSeconds / baseline.Value - 1),6:F1}%, train step {perStep:F2} s"));
        }
    }

    private static TrainingResult Train(int epochs, BalanceCadence? cadence)
    {
        torch.manual_seed(0);
        using var model = new RobertaForSequenceClassification(new EncoderConfig { LayerNormEps = 1e-5 }, labels: 2);
        model.InitializeWeights(seed: 0);
        using var task = new RandomTokenTask(Examples, Length, seed: 1);
        var options = new TrainingOptions
        {
            Epochs = epochs,
            BatchSize = BatchSize,
            LearningRate = 2e-5,
            WeightDecay = 0.1,
            Threads = 2,
            Schedule = new ScheduleSettings { Kind = ScheduleKind.LinearWarmupDecay, WarmupRatio = 0.06 },
            KeepBestEpoch = false,
            TempBalance = cadence is null ? null : EncoderTextClassificationTrainer.Defaults.TempBalance() with { Cadence = cadence },
        };
        return new TrainingEngine(options).Train(model, task);
    }

    private sealed class RandomTokenTask : ITrainingTask, IDisposable
    {
        private readonly torch.Tensor _tokens;
        private readonly torch.Tensor _labels;
        private readonly torch.Tensor _mask;

        public RandomTokenTask(int examples, int length, int seed)
        {
            var generator = new torch.Generator((ulong)seed);
            _tokens = torch.randint(3, 50265, new long[] { examples, length }, generator: generator);
            _labels = torch.randint(0, 2, new long[] { examples }, generator: generator);
            _mask = torch.ones(examples, length, torch.int64);
        }

        public int ExampleCount => (int)_tokens.shape[0];

        public torch.Tensor Loss(torch.nn.Module model, IReadOnlyList<int> batch)
        {
            using torch.Tensor index = torch.tensor(batch.Select(i => (long)i).ToArray());
            var classifier = (RobertaForSequenceClassification)model;
            return torch.nn.functional.cross_entropy(classifier.forward(_tokens.index_select(0, index), _mask.index_select(0, index)), _labels.index_select(0, index));
        }

        public ValidationResult? Validate(torch.nn.Module model) => null;

        public void Dispose()
        {
            _tokens.Dispose();
            _labels.Dispose();
            _mask.Dispose();
        }
    }
}
