using System.Diagnostics;
using Microsoft.ML.TempBalance.Runtime;
using TorchSharp;
using TorchSharp.Modules;

namespace TempBalance.Benchmarks;

/// <summary>
/// Reproduces TorchSharp 0.107's temporary-scalar race (see <see cref="FinalizerRaceGuard"/>): the main thread
/// repeats an in-place multiply by a plain double (TorchSharp makes a temporary Scalar for it) while a second
/// thread allocates 64 KB per millisecond, as a background analysis or a host would, so collections start while
/// the multiply runs. Without the guard this fails within seconds; with it the collections wait for step
/// boundaries. Not a timing benchmark: it reports whether and when the run failed.
/// </summary>
internal static class ScalarRaceProbe
{
    public static void Run(int seconds, bool guard)
    {
        TorchRuntime.SetThreadCount(1);
        using var weights = new Parameter(torch.randn(1_000_000));
        bool stop = false;
        var allocator = new Thread(() =>
        {
            object? last = null;
            while (!Volatile.Read(ref stop))
            {
                last = new byte[65536];
                Thread.Sleep(1);
            }

            GC.KeepAlive(last);
        }) { IsBackground = true };
        allocator.Start();
        int collectionsBefore = GC.CollectionCount(0);
        var watch = Stopwatch.StartNew();
        long steps = 0;
        string outcome;
        try
        {
            using var noGrad = torch.no_grad();
            while (watch.Elapsed.TotalSeconds < seconds)
            {
                if (guard)
                {
                    FinalizerRaceGuard.Enter();
                }

                weights.mul_(1.0000001);
                steps++;
            }

            outcome = "no failure";
        }
        catch (Exception e)
        {
            outcome = "FAILED: " + e.Message.Split('\n')[0];
        }
        finally
        {
            FinalizerRaceGuard.Exit();
            Volatile.Write(ref stop, true);
        }

        Console.WriteLine($"scalar-race, guard {(guard ? "on" : "off")}: {steps} steps in {watch.Elapsed.TotalSeconds:F1} s, {GC.CollectionCount(0) - collectionsBefore} collections; {outcome}");
    }
}
