using System.Diagnostics;
using Microsoft.ML.TempBalance.Runtime;
using Microsoft.ML.TempBalance.Spectral;
using TorchSharp;

namespace TempBalance.Benchmarks;

/// <summary>
/// Spectral-analysis benchmark (HT-SR diagnostics issue). Times the full ESD + metrics of a RoBERTa-base-shaped encoder's 72 weight matrices (12 blocks x {4 x 768x768,
/// 3072x768, 768x3072}, random weights, std 0.02) with 2 torch threads, and in the same run the naive route: one
/// svdvals per matrix, squared, then the same Hill fit.
/// </summary>
internal static class SpectralBenchmark
{
    public static void Run(int repetitions)
    {
        const int threads = 2;
        TorchRuntime.SetThreadCount(threads);
        torch.manual_seed(0);

        var weights = new Dictionary<string, torch.Tensor>();
        string[] square = { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense" };
        for (int layer = 0; layer < 12; layer++)
        {
            foreach (string name in square)
            {
                weights[$"roberta.encoder.layer.{layer}.{name}.weight"] = torch.randn(768, 768) * 0.02;
            }

            weights[$"roberta.encoder.layer.{layer}.intermediate.dense.weight"] = torch.randn(3072, 768) * 0.02;
            weights[$"roberta.encoder.layer.{layer}.output.dense.weight"] = torch.randn(768, 3072) * 0.02;
        }

        var analyzer = new SpectralAnalyzer(new SpectralAnalyzerOptions { XminPosition = 1.5, Threads = threads });
        SpectralReport report = analyzer.Analyze(weights, "roberta-base-shaped"); // warm-up
        var fast = new List<double>();
        for (int r = 0; r < repetitions; r++)
        {
            var watch = Stopwatch.StartNew();
            report = analyzer.Analyze(weights, "roberta-base-shaped");
            fast.Add(watch.Elapsed.TotalSeconds);
        }

        var naive = new List<double>();
        var naiveAlphas = new Dictionary<string, double>();
        for (int r = 0; r < Math.Max(1, repetitions / 2); r++)
        {
            var watch = Stopwatch.StartNew();
            foreach ((string name, torch.Tensor w) in weights)
            {
                using var s = torch.linalg.svdvals(w);
                double[] lambda = s.data<float>().ToArray().Select(v => (double)v * v).Order().ToArray();
                naiveAlphas[name[..^".weight".Length]] = HillEstimator.Fit(lambda, XminStrategy.Median, 1.5).Alpha;
            }

            naive.Add(watch.Elapsed.TotalSeconds);
        }

        (double gramSeconds, double eigenSeconds) = Components(weights.Values.ToList(), threads, repetitions);
        double worst = report.Layers.Max(l => Math.Abs(l.Alpha - naiveAlphas[l.Name]));
        Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {Environment.OSVersion}, .NET {Environment.Version}, torch threads {threads}");
        Console.WriteLine($"layers analysed: {report.Layers.Count}, alpha mean {report.Summary.AlphaMean:F4}, std {report.Summary.AlphaStd:F4}");
        Console.WriteLine($"library (full analysis):                median {Median(fast):F3} s over {fast.Count} runs [{string.Join(", ", fast.Select(t => t.ToString("F3")))}]");
        Console.WriteLine($"naive svdvals per matrix + same fit:     median {Median(naive):F3} s over {naive.Count} runs [{string.Join(", ", naive.Select(t => t.ToString("F3")))}]");
        Console.WriteLine($"speed-up: {Median(naive) / Median(fast):F2}x; largest |alpha difference| between the routes: {worst:E2}");
        Console.WriteLine($"where the time goes (medians, plain torch calls): full Gram products {gramSeconds:F3} s, {weights.Count} eigensolves of those Grams on {threads} threads {eigenSeconds:F3} s");
    }

    // The two heavy parts of the route, timed alone with plain torch calls: the Gram products on the smaller side
    // (torch's own threading) and the symmetric eigensolves, one matrix at a time per thread.
    private static (double Gram, double Eigen) Components(IReadOnlyList<torch.Tensor> weights, int threads, int repetitions)
    {
        var gramTimes = new List<double>();
        var eigenTimes = new List<double>();
        for (int r = 0; r < Math.Max(1, repetitions); r++)
        {
            using var scope = torch.NewDisposeScope();
            var watch = Stopwatch.StartNew();
            torch.Tensor[] grams = weights.Select(w => w.shape[0] >= w.shape[1] ? w.t().matmul(w) : w.matmul(w.t())).ToArray();
            gramTimes.Add(watch.Elapsed.TotalSeconds);
            watch.Restart();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, p =>
            {
                torch.set_num_threads(1);
                for (int i = p; i < grams.Length; i += threads)
                {
                    using torch.Tensor eig = torch.linalg.eigvalsh(grams[i]);
                }
            });
            eigenTimes.Add(watch.Elapsed.TotalSeconds);
            torch.set_num_threads(threads);
        }

        return (Median(gramTimes), Median(eigenTimes));
    }

    private static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);
}
