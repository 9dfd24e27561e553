using System.Diagnostics;

namespace TempBalance.Benchmarks;

/// <summary>
/// Scores a fixed set of rows from several threads at once, each alternating a prediction engine (row by row) and a
/// batched <c>Transform</c>, while another thread allocates as a busy host does (64 KB per millisecond and a forced
/// collection every 50 ms), so collections and finalizers run while native kernels are in flight. Every output must be
/// bit-identical to the single-threaded result of the same route; any exception or differing bit is a failure.
/// </summary>
internal static class ScoringSoak
{
    /// <summary>What a soak did.</summary>
    public sealed record Outcome(string Name, int Threads, double Seconds, long EngineRows, long BatchedRows, int Collections, int Failures, string? FirstFailure)
    {
        public override string ToString() => FormattableString.Invariant(
            $"{Name}: {Threads} scoring threads for {Seconds:F1} s: {EngineRows} rows by prediction engines, {BatchedRows} rows by batched Transform, {Collections} gen-0 collections, {Failures} failure(s){(FirstFailure is null ? "" : "; first: " + FirstFailure)}");
    }

    /// <param name="name">What is scored (for the report).</param>
    /// <param name="rows">Rows to score.</param>
    /// <param name="batched">Scores every row with one batched Transform.</param>
    /// <param name="engine">Makes a thread's own predictor (a prediction engine), which scores row i.</param>
    /// <param name="threads">Scoring threads.</param>
    /// <param name="duration">How long to soak.</param>
    public static Outcome Run(string name, int rows, Func<float[][]> batched, Func<Func<int, float[]>> engine, int threads, TimeSpan duration)
    {
        // References, single-threaded and before the allocator starts.
        float[][] batchReference = batched();
        Func<int, float[]> referenceEngine = engine();
        float[][] engineReference = Enumerable.Range(0, rows).Select(referenceEngine).ToArray();

        int failures = 0;
        string? first = null;
        long engineRows = 0, batchedRows = 0;
        void Fail(string what)
        {
            if (Interlocked.Increment(ref failures) == 1)
            {
                Interlocked.CompareExchange(ref first, what, null);
            }
        }

        bool stop = false;
        var allocator = new Thread(() =>
        {
            var clock = Stopwatch.StartNew();
            object? last = null;
            while (!Volatile.Read(ref stop))
            {
                last = new byte[65536];
                if (clock.ElapsedMilliseconds >= 5)
                {
                    GC.Collect();
                    clock.Restart();
                }

                Thread.Yield();
            }

            GC.KeepAlive(last);
        }) { IsBackground = true, Name = "soak allocator" };

        int collections = GC.CollectionCount(0);
        var watch = Stopwatch.StartNew();
        allocator.Start();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            try
            {
                Func<int, float[]> mine = engine();
                for (long round = t; watch.Elapsed < duration && Volatile.Read(ref failures) == 0; round++)
                {
                    if (round % 2 == 0)
                    {
                        for (int i = 0; i < rows; i++)
                        {
                            Compare(mine(i), engineReference[i], $"thread {t}, prediction engine, row {i}", Fail);
                        }

                        Interlocked.Add(ref engineRows, rows);
                    }
                    else
                    {
                        float[][] scores = batched();
                        for (int i = 0; i < rows; i++)
                        {
                            Compare(scores[i], batchReference[i], $"thread {t}, batched Transform, row {i}", Fail);
                        }

                        Interlocked.Add(ref batchedRows, rows);
                    }
                }
            }
            catch (Exception e)
            {
                Fail($"thread {t}: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            }
        }) { Name = $"soak scorer {t}" }).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        Volatile.Write(ref stop, true);
        allocator.Join();
        return new Outcome(name, threads, watch.Elapsed.TotalSeconds, engineRows, batchedRows, GC.CollectionCount(0) - collections, failures, first);
    }

    private static void Compare(float[] actual, float[] expected, string where, Action<string> fail)
    {
        if (actual.Length != expected.Length)
        {
            fail($"{where}: {actual.Length} values, expected {expected.Length}");
            return;
        }

        for (int j = 0; j < actual.Length; j++)
        {
            if (BitConverter.SingleToInt32Bits(actual[j]) != BitConverter.SingleToInt32Bits(expected[j]))
            {
                fail($"{where}: value {j} is {actual[j]:R}, single-threaded {expected[j]:R}");
                return;
            }
        }
    }
}
