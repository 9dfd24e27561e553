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
        var options = new PdeTrainingOptions
        {
            Model = new FnoOptions { Modes = 12, Width = 20, InitialStep = 1, Channels = 1 },
            SingleStep = true, Epochs = epochs + 1, BatchSize = 50, LearningRate = 1e-3, Seed = 1, Threads = 2,
            Reporter = new EpochClock(),
        };
        var clock = (EpochClock)options.Reporter;
        using (PdeSolver solver = PdeSolver.Train(train, null, options))
        {
        }

        double trainerPerEpoch = clock.SecondsAfterFirst / epochs;

        torch.manual_seed(1);
        using var model = new Fno2d(options.Model);
        using torch.Tensor all = BareTensors(train, out torch.Tensor grid);
        using var optimizer = torch.optim.Adam(model.parameters(), 1e-3, weight_decay: 1e-4);
        model.train();
        var times = new List<double>();
        var random = new Random(1);
        for (int epoch = 0; epoch <= epochs; epoch++)
        {
            var watch = Stopwatch.StartNew();
            int[] order = Enumerable.Range(0, train.Samples).ToArray();
            random.Shuffle(order);
            for (int start = 0; start < order.Length; start += 50)
            {
                using var scope = torch.NewDisposeScope();
                torch.Tensor index = torch.tensor(order.Skip(start).Take(50).Select(i => (long)i).ToArray());
                torch.Tensor batch = all.index_select(0, index);
                torch.Tensor input = batch.narrow(-2, 0, 1).reshape(batch.shape[0], 64, 64, 1);
                torch.Tensor target = batch.narrow(-2, 1, 1);
                optimizer.zero_grad();
                torch.Tensor loss = torch.nn.functional.mse_loss(model.forward(input, grid.unsqueeze(0).expand(batch.shape[0], 64, 64, 2)), target);
                loss.backward();
                optimizer.step();
                _ = loss.item<float>();
            }

            times.Add(watch.Elapsed.TotalSeconds);
        }

        grid.Dispose();
        double barePerEpoch = times.Skip(1).Average();
        Console.WriteLine(Invariant($"FNO2d Darcy 64x64, 200 samples, batch 50, {epochs} timed epochs (+1 warm-up):"));
        Console.WriteLine(Invariant($"  library trainer: {trainerPerEpoch:F2} s/epoch = {train.Samples / trainerPerEpoch:F1} samples/s ({1000 * trainerPerEpoch / train.Samples:F1} ms per sample-epoch)"));
        Console.WriteLine(Invariant($"  bare TorchSharp: {barePerEpoch:F2} s/epoch = {train.Samples / barePerEpoch:F1} samples/s"));
        Console.WriteLine(Invariant($"  overhead of the trainer: {100 * (trainerPerEpoch / barePerEpoch - 1):F1}%"));
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

    private static torch.Tensor BareTensors(PdeDataset data, out torch.Tensor grid)
    {
        // [sample, time, x, y, c] -> [sample, x, y, time, c], as the library's rollout does.
        using torch.Tensor raw = torch.tensor(data.Data, new long[] { data.Samples, 2, 64, 64, 1 });
        using torch.Tensor x = torch.tensor(data.SpatialCoordinates[0]);
        using torch.Tensor y = torch.tensor(data.SpatialCoordinates[1]);
        torch.Tensor[] mesh = torch.meshgrid(new[] { x, y }, indexing: "ij");
        grid = torch.stack(mesh, -1);
        return raw.permute(0, 2, 3, 1, 4).contiguous();
    }

    private sealed class EpochClock : ITrainingReporter
    {
        private readonly Stopwatch _watch = new();

        public double SecondsAfterFirst => _watch.Elapsed.TotalSeconds;

        public void EpochCompleted(EpochSummary epoch)
        {
            if (epoch.Epoch == 0)
            {
                _watch.Restart();
            }
        }
    }
}
