using System.Diagnostics;
using Microsoft.ML.TempBalance.Runtime;
using Microsoft.ML.TempBalance.SciML;
using Microsoft.ML.TempBalance.SciML.Generators;
using Microsoft.ML.TempBalance.SciML.Models;
using Microsoft.ML.TempBalance.SciML.Training;
using Microsoft.ML.TempBalance.Training;
using TorchSharp;
using static System.FormattableString;

namespace TempBalance.Benchmarks;

/// <summary>
/// PDE benchmarks: generator throughput per equation, and FNO2d training on Darcy 64 x 64 (batch 50) through the
/// library's trainer (PdeSolver on the shared engine) against a bare TorchSharp loop over the same module class,
/// batches and Adam, 2 torch threads.
/// </summary>
internal static class FnoThroughputBenchmark
{
    public static void Run(int epochs)
    {
        TorchRuntime.SetThreadCount(2);
        Console.WriteLine(Invariant($"machine: {Environment.ProcessorCount} logical cores, {Environment.OSVersion}, .NET {Environment.Version}; torch threads 2, generator threads 2"));
        Generators();

        PdeDataset train = PdeGenerators.Darcy(samples: 200, resolution: 64, seed: 1, threads: 2);
        var model = new FnoOptions { Modes = 12, Width = 20, InitialStep = 1, Channels = 1 };
        using var bare = new BareLoop(train, model);

        // The two routes alternate epoch by epoch (trainer, bare, trainer, bare, ...): the bare epoch runs inside the
        // trainer's end-of-epoch callback, so a drift in the machine's speed hits both alike instead of counting as
        // overhead. The first epoch of each route is a warm-up.
        var clock = new InterleavedClock(bare.Epoch);
        var options = new PdeTrainingOptions
        {
            Model = model, SingleStep = true, Epochs = epochs + 1, BatchSize = 50, LearningRate = 1e-3, Seed = 1, Threads = 2,
            Reporter = clock,
        };
        using (PdeSolver solver = PdeSolver.Train(train, null, options))
        {
        }

        double[] trainer = clock.Trainer.ToArray();
        double[] bareTimes = clock.Bare.Skip(1).Take(trainer.Length).ToArray();
        double trainerPerEpoch = trainer.Average();
        double barePerEpoch = bareTimes.Average();
        double[] differences = trainer.Zip(bareTimes, (t, b) => t - b).ToArray();
        double meanDifference = differences.Average();
        double standardError = differences.Length > 1
            ? Math.Sqrt(differences.Sum(d => (d - meanDifference) * (d - meanDifference)) / (differences.Length - 1) / differences.Length)
            : double.NaN;
        Console.WriteLine(Invariant($"FNO2d Darcy 64x64, 200 samples, batch 50, {trainer.Length} timed epochs per route (+1 warm-up), interleaved:"));
        Console.WriteLine(Invariant($"  library trainer: {trainerPerEpoch:F3} s/epoch = {train.Samples / trainerPerEpoch:F1} samples/s ({1000 * trainerPerEpoch / train.Samples:F1} ms per sample-epoch)"));
        Console.WriteLine(Invariant($"  bare TorchSharp: {barePerEpoch:F3} s/epoch = {train.Samples / barePerEpoch:F1} samples/s"));
        Console.WriteLine(Invariant($"  overhead of the trainer: {100 * (trainerPerEpoch / barePerEpoch - 1):F1}% (paired epochs: {100 * meanDifference / barePerEpoch:F1}% +- {200 * standardError / barePerEpoch:F1}%, 2 standard errors)"));
        Console.WriteLine("  epoch pairs (trainer s, bare s): " + string.Join("  ", trainer.Zip(bareTimes, (t, b) => Invariant($"{t:F2}/{b:F2}"))));
    }

    private static void Generators()
    {
        void Time(string name, int samples, Func<PdeDataset> generate)
        {
            var watch = Stopwatch.StartNew();
            PdeDataset data = generate();
            Console.WriteLine(Invariant($"generator {name,-44} {samples / watch.Elapsed.TotalSeconds,8:F2} samples/s ({data.Samples} samples in {watch.Elapsed.TotalSeconds:F1} s)"));
        }

        Time("advection 1024 pts, 201 frames (exact)", 200, () => PdeGenerators.Advection(200, 1024, 0.1, 201, seed: 1, threads: 2));
        Time("burgers Nu 0.001, 256 pts, 201 frames", 8, () => PdeGenerators.Burgers(8, 256, 0.001, 201, seed: 1, threads: 2));
        Time("cfd1d eta 0.01, 128 pts kept of 512, 21 frames", 8, () => PdeGenerators.CompressibleFlow1D(8, 128, 0.01, 0.01, 21, seed: 1, threads: 2));
        Time("cfd2d eta 0.01, M 0.1, 32x32, 21 frames", 4, () => PdeGenerators.CompressibleFlow2D(4, 32, 0.01, 0.01, frames: 21, seed: 1, threads: 2));
        Time("cfd2d eta 0.01, M 0.1, 64x64, 21 frames", 2, () => PdeGenerators.CompressibleFlow2D(2, 64, 0.01, 0.01, frames: 21, seed: 1, threads: 2));
        Time("darcy beta 100, 64x64", 200, () => PdeGenerators.Darcy(200, 64, 100, seed: 1, threads: 2));
    }

    /// <summary>
    /// The reference route: the same module class, tensors layout, batches of 50 and Adam, in a plain TorchSharp loop
    /// with a dispose scope per batch.
    /// </summary>
    private sealed class BareLoop : IDisposable
    {
        private readonly Fno2d _model;
        private readonly torch.optim.Optimizer _optimizer;
        private readonly torch.Tensor _all;
        private readonly torch.Tensor _grid;
        private readonly Random _random = new(1);
        private readonly int _samples;

        public BareLoop(PdeDataset data, FnoOptions options)
        {
            torch.manual_seed(1);
            _model = new Fno2d(options);
            _optimizer = torch.optim.Adam(_model.parameters(), 1e-3, weight_decay: 1e-4);
            _samples = data.Samples;

            // [sample, time, x, y, c] -> [sample, x, y, time, c], as the library's rollout does.
            using torch.Tensor raw = torch.tensor(data.Data, new long[] { data.Samples, 2, 64, 64, 1 });
            _all = raw.permute(0, 2, 3, 1, 4).contiguous();
            using torch.Tensor x = torch.tensor(data.SpatialCoordinates[0]);
            using torch.Tensor y = torch.tensor(data.SpatialCoordinates[1]);
            torch.Tensor[] mesh = torch.meshgrid(new[] { x, y }, indexing: "ij");
            _grid = torch.stack(mesh, -1);
            foreach (torch.Tensor part in mesh)
            {
                part.Dispose();
            }
        }

        /// <summary>One epoch; returns its wall time in seconds.</summary>
        public double Epoch()
        {
            var watch = Stopwatch.StartNew();
            _model.train();
            int[] order = Enumerable.Range(0, _samples).ToArray();
            _random.Shuffle(order);
            for (int start = 0; start < order.Length; start += 50)
            {
                using var scope = torch.NewDisposeScope();
                torch.Tensor index = torch.tensor(order.Skip(start).Take(50).Select(i => (long)i).ToArray());
                torch.Tensor batch = _all.index_select(0, index);
                torch.Tensor input = batch.narrow(-2, 0, 1).reshape(batch.shape[0], 64, 64, 1);
                torch.Tensor target = batch.narrow(-2, 1, 1);
                _optimizer.zero_grad();
                torch.Tensor loss = torch.nn.functional.mse_loss(_model.forward(input, _grid.unsqueeze(0).expand(batch.shape[0], 64, 64, 2)), target);
                loss.backward();
                _optimizer.step();
                _ = loss.item<float>();
            }

            return watch.Elapsed.TotalSeconds;
        }

        public void Dispose()
        {
            _optimizer.Dispose();
            _model.Dispose();
            _all.Dispose();
            _grid.Dispose();
        }
    }

    /// <summary>
    /// Times each trainer epoch from the end of the previous callback to this one (so the bare epoch run inside the
    /// callback is not counted), then runs one bare epoch.
    /// </summary>
    private sealed class InterleavedClock(Func<double> bareEpoch) : ITrainingReporter
    {
        private readonly Stopwatch _watch = new();

        public List<double> Trainer { get; } = new();

        public List<double> Bare { get; } = new();

        public void EpochCompleted(EpochSummary epoch)
        {
            if (epoch.Epoch > 0)
            {
                Trainer.Add(_watch.Elapsed.TotalSeconds);
            }

            Bare.Add(bareEpoch());
            _watch.Restart();
        }
    }
}
