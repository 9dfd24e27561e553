namespace Microsoft.ML.TempBalance.SciML.Generators;

/// <summary>
/// Generators of PDEBench-like data sets, deterministic by seed (each sample has its own seeded generator, so the
/// result does not depend on the thread count) and parallel over samples, reporting the number of finished samples.
/// </summary>
public static class PdeGenerators
{
    /// <summary>
    /// 1D advection ∂ₜu + β∂ₓu = 0 on [0, 1), periodic: the exact solution u₀((x − βt) mod 1) of PDEBench's random
    /// initial condition (4 modes, window probability 0.1), sampled at cell centres.
    /// </summary>
    public static PdeDataset Advection(int samples, int resolution, double beta = 0.1, int frames = 201, double endTime = 2.0, int seed = 0, int threads = 0, IProgress<int>? progress = null)
    {
        Check(samples, resolution, frames);
        var data = new float[(long)samples * frames * resolution];
        float[] x = CellCentres(resolution, 0, 1);
        float[] t = Times(frames, endTime);
        ForEachSample("advection", data, samples, seed, threads, progress, s =>
        {
            var initial = new RandomSines1D(SampleRandom(seed, s), 4, 1.0, 0.1);
            for (int k = 0; k < frames; k++)
            {
                for (int i = 0; i < resolution; i++)
                {
                    double shifted = x[i] - beta * t[k];
                    data[((long)s * frames + k) * resolution + i] = (float)initial.Evaluate(shifted - Math.Floor(shifted));
                }
            }
        });
        return new PdeDataset("advection", data, samples, frames, new[] { resolution }, new[] { "u" }, new[] { x }, t, new Dictionary<string, double> { ["beta"] = beta });
    }

    /// <summary>
    /// 1D viscous Burgers ∂ₜu + ∂ₓ(u²/2) = (ν/π)∂ₓₓu on [0, 1), periodic (PDEBench's <c>Nu</c> = ν), solved by
    /// <see cref="BurgersSolver"/> at <paramref name="solverResolution"/> cells (default = output) and kept at
    /// <paramref name="resolution"/> points by striding.
    /// </summary>
    public static PdeDataset Burgers(int samples, int resolution, double nu = 0.001, int frames = 201, double endTime = 2.0, int? solverResolution = null, int seed = 0, int threads = 0, IProgress<int>? progress = null)
    {
        Check(samples, resolution, frames);
        int solver = solverResolution ?? resolution;
        int stride = SolverStride(solver, resolution);
        var data = new float[(long)samples * frames * resolution];
        float[] fine = CellCentres(solver, 0, 1);
        float[] t = Times(frames, endTime);
        ForEachSample("burgers", data, samples, seed, threads, progress, s =>
        {
            var initial = new RandomSines1D(SampleRandom(seed, s), 4, 1.0, 0.1);
            double[] u0 = fine.Select(v => initial.Evaluate(v)).ToArray();
            double[][] solution = BurgersSolver.Solve(u0, nu / Math.PI, t.Select(v => (double)v).ToArray());
            for (int k = 0; k < frames; k++)
            {
                for (int i = 0; i < resolution; i++)
                {
                    data[((long)s * frames + k) * resolution + i] = (float)solution[k][i * stride];
                }
            }
        });
        float[] x = Enumerable.Range(0, resolution).Select(i => fine[i * stride]).ToArray();
        return new PdeDataset("burgers", data, samples, frames, new[] { resolution }, new[] { "u" }, new[] { x }, t, new Dictionary<string, double> { ["Nu"] = nu });
    }

    /// <summary>
    /// 1D compressible Navier–Stokes (PDEBench's "1D CFD"): η = ζ = 0.01 by default, domain [−1, 1] periodic,
    /// random initial density (renormalised to [1, 20]), pressure ([10, 200]) and velocity (3 modes, window
    /// probability 0.5), solved by <see cref="CompressibleFlow1D"/> at <paramref name="solverResolution"/> cells
    /// (default 4 x the output; PDEBench generates at 1024 and trains at 128) and kept by striding. Channels: density,
    /// pressure, Vx.
    /// </summary>
    public static PdeDataset CompressibleFlow1D(int samples, int resolution, double eta = 0.01, double zeta = 0.01, int frames = 21, double endTime = 1.0, int? solverResolution = null, int seed = 0, int threads = 0, IProgress<int>? progress = null)
    {
        Check(samples, resolution, frames);
        int solver = solverResolution ?? 4 * resolution;
        int stride = SolverStride(solver, resolution);
        var data = new float[(long)samples * frames * resolution * 3];
        float[] fine = CellCentres(solver, -1, 1);
        float[] t = Times(frames, endTime);
        ForEachSample("cfd1d", data, samples, seed, threads, progress, s =>
        {
            Random random = SampleRandom(seed, s);
            double[] Field(double low, double high, bool renormalise)
            {
                var sines = new RandomSines1D(random, 3, 2.0, 0.5);
                double[] values = fine.Select(x => sines.Evaluate(x)).ToArray();
                if (!renormalise)
                {
                    return values;
                }

                double min = values.Min(), max = values.Max();
                double scale = Math.Exp(Math.Log(low) + (Math.Log(high) - Math.Log(low)) * random.NextDouble());
                double offset = Math.Exp(Math.Log(low) + (Math.Log(high) - Math.Log(low)) * random.NextDouble());
                return values.Select(v => max > min ? scale * (v - min) / (max - min) + offset : offset).ToArray();
            }

            double[] density = Field(1, 10, renormalise: true);
            double[] pressure = Field(10, 100, renormalise: true);
            double[] velocity = Field(0, 0, renormalise: false);
            double[][][] solution = Generators.CompressibleFlow1D.Solve(density, velocity, pressure, eta, zeta, t.Select(v => (double)v).ToArray());
            int[] order = { 0, 2, 1 }; // density, pressure, Vx
            for (int k = 0; k < frames; k++)
            {
                for (int i = 0; i < resolution; i++)
                {
                    for (int c = 0; c < 3; c++)
                    {
                        data[(((long)s * frames + k) * resolution + i) * 3 + c] = (float)solution[k][order[c]][i * stride];
                    }
                }
            }
        });
        float[] x = Enumerable.Range(0, resolution).Select(i => fine[i * stride]).ToArray();
        return new PdeDataset("cfd1d", data, samples, frames, new[] { resolution }, new[] { "density", "pressure", "Vx" }, new[] { x }, t,
            new Dictionary<string, double> { ["eta"] = eta, ["zeta"] = zeta });
    }

    /// <summary>
    /// 2D compressible Navier–Stokes (PDEBench's "2D CFD", Rand initial conditions, sciml-notes 4.5): η = ζ = 0.01
    /// and Mach number 0.1 by default, domain [0, 1]² periodic. Per sample: ρ₀, T₀ ~ U[0.1, 10], δρ, δp ~
    /// U[0.01, 0.2], p₀ = ρ₀T₀; four random fields Σ |k|^(−½) sin(k·x + φ) over the 64 integer modes (i, j) ∈ [−4, 4]²
    /// with i·j ≠ 0; the velocity scaled to a mean speed of M·√(ΓT₀), ρ = ρ₀(1 + δρ·d/mean|d|), p = p₀(1 + δp·p̃/mean|p̃|);
    /// with probability 0.5 a tanh window (width 0.01) outside which v = 0, ρ = ρ₀, p = p₀. The formula can make ρ or p
    /// negative in a few cells (3 of the first 3000 draws at 64², 1000 from each of seeds 1, 2 and 3), where PDEBench's
    /// solver and this one can only produce NaN; such a draw is replaced by the next draw from the same sample's stream
    /// (<see cref="PositiveRandomFlow2D"/>), so every other sample is unchanged. Solved by
    /// <see cref="Generators.CompressibleFlow2D"/> at <paramref name="solverResolution"/>² cells (default the output
    /// resolution; PDEBench generates at 128² and trains at 64²) and kept by striding. Channels: density, pressure, Vx, Vy.
    /// </summary>
    public static PdeDataset CompressibleFlow2D(int samples, int resolution, double eta = 0.01, double zeta = 0.01, double mach = 0.1, int frames = 21, double endTime = 1.0, int? solverResolution = null, int seed = 0, int threads = 0, IProgress<int>? progress = null)
    {
        Check(samples, resolution, frames);
        int solver = solverResolution ?? resolution;
        int stride = SolverStride(solver, resolution);
        long size = (long)resolution * resolution;
        var data = new float[(long)samples * frames * size * 4];
        float[] fine = CellCentres(solver, 0, 1);
        float[] t = Times(frames, endTime);
        ForEachSample("cfd2d", data, samples, seed, threads, progress, s =>
        {
            RandomFlow start = PositiveRandomFlow2D(SampleRandom(seed, s), fine, mach);
            double[][][] solution = Generators.CompressibleFlow2D.Solve(start.Density, start.VelocityX, start.VelocityY, start.Pressure, solver, eta, zeta, t.Select(v => (double)v).ToArray());
            int[] order = { 0, 3, 1, 2 }; // density, pressure, Vx, Vy from (ρ, vx, vy, p)
            for (int k = 0; k < frames; k++)
            {
                for (int i = 0; i < resolution; i++)
                {
                    for (int j = 0; j < resolution; j++)
                    {
                        for (int c = 0; c < 4; c++)
                        {
                            data[(((s * frames + k) * size) + (long)i * resolution + j) * 4 + c] = (float)solution[k][order[c]][i * stride * solver + j * stride];
                        }
                    }
                }
            }
        });
        float[] x = Enumerable.Range(0, resolution).Select(i => fine[i * stride]).ToArray();
        return new PdeDataset("cfd2d", data, samples, frames, new[] { resolution, resolution }, new[] { "density", "pressure", "Vx", "Vy" }, new[] { x, x }, t,
            new Dictionary<string, double> { ["eta"] = eta, ["zeta"] = zeta, ["M"] = mach });
    }

    /// <summary>
    /// The first of the successive <see cref="RandomFlow2D"/> draws from <paramref name="random"/> whose density and
    /// pressure are positive in every cell: a draw that is already positive is returned as it is.
    /// </summary>
    internal static RandomFlow PositiveRandomFlow2D(Random random, float[] x, double mach)
    {
        // A non-positive draw has probability about 0.1% (PDEBench's formula, sciml-notes 4.5), so 100 in a row means
        // something other than bad luck is wrong.
        const int MaxDraws = 100;
        for (int draw = 0; draw < MaxDraws; draw++)
        {
            RandomFlow flow = RandomFlow2D(random, x, mach);
            if (flow.Density.All(v => v > 0) && flow.Pressure.All(v => v > 0))
            {
                return flow;
            }
        }

        throw new InvalidOperationException($"{MaxDraws} initial conditions in a row had a non-positive density or pressure.");
    }

    /// <summary>One sample's random initial (ρ, vx, vy, p) on the n x n cell centres <paramref name="x"/> (see <see cref="CompressibleFlow2D"/>).</summary>
    internal static RandomFlow RandomFlow2D(Random random, float[] x, double mach)
    {
        int n = x.Length;
        double Uniform(double low, double high) => low + (high - low) * random.NextDouble();
        double rho0 = Uniform(0.1, 10), temperature = Uniform(0.1, 10), dRho = Uniform(0.01, 0.2), dP = Uniform(0.01, 0.2);
        double p0 = rho0 * temperature;
        double speed = mach * Math.Sqrt(Generators.CompressibleFlow1D.Gamma * temperature);
        double[] Field()
        {
            var modes = new List<(double Kx, double Ky, double Amplitude, double Phase)>();
            for (int i = -4; i <= 4; i++)
            {
                for (int j = -4; j <= 4; j++)
                {
                    if (i * j != 0)
                    {
                        double kx = 2 * Math.PI * i, ky = 2 * Math.PI * j;
                        modes.Add((kx, ky, Math.Pow(kx * kx + ky * ky, -0.25), Uniform(0, 2 * Math.PI)));
                    }
                }
            }

            var values = new double[n * n];
            for (int a = 0; a < n; a++)
            {
                for (int b = 0; b < n; b++)
                {
                    double sum = 0;
                    foreach ((double kx, double ky, double amplitude, double phase) in modes)
                    {
                        sum += amplitude * Math.Sin(kx * x[a] + ky * x[b] + phase);
                    }

                    values[a * n + b] = sum;
                }
            }

            return values;
        }

        double[] vx = Field(), vy = Field(), pField = Field(), dField = Field();
        double meanSpeed = Enumerable.Range(0, n * n).Average(c => Math.Sqrt(vx[c] * vx[c] + vy[c] * vy[c]));
        double meanD = dField.Average(Math.Abs), meanP = pField.Average(Math.Abs);
        var density = new double[n * n];
        var pressure = new double[n * n];
        for (int c = 0; c < n * n; c++)
        {
            vx[c] *= speed / meanSpeed;
            vy[c] *= speed / meanSpeed;
            density[c] = rho0 * (1 + dRho * dField[c] / meanD);
            pressure[c] = p0 * (1 + dP * pField[c] / meanP);
        }

        bool windowed = random.NextDouble() < 0.5;
        if (windowed)
        {
            double xL = Uniform(0.1, 0.45), yL = Uniform(0.1, 0.45), xR = Uniform(0.55, 0.9), yR = Uniform(0.55, 0.9);
            for (int a = 0; a < n; a++)
            {
                for (int b = 0; b < n; b++)
                {
                    double window = 0.25 * (Math.Tanh((x[a] - xL) / 0.01) - Math.Tanh((x[a] - xR) / 0.01)) * (Math.Tanh((x[b] - yL) / 0.01) - Math.Tanh((x[b] - yR) / 0.01));
                    int c = a * n + b;
                    vx[c] *= window;
                    vy[c] *= window;
                    density[c] = rho0 + (density[c] - rho0) * window;
                    pressure[c] = p0 + (pressure[c] - p0) * window;
                }
            }
        }

        return new RandomFlow(density, vx, vy, pressure, temperature, windowed);
    }

    /// <summary>A random 2D initial condition with the temperature T₀ it was drawn with and whether it was windowed.</summary>
    internal sealed record RandomFlow(double[] Density, double[] VelocityX, double[] VelocityY, double[] Pressure, double Temperature, bool Windowed);

    /// <summary>
    /// 2D Darcy flow −∇·(a∇u) = β on (0, 1)², u = 0 on the boundary, at n x n: a = 1 where a sum of 5 random
    /// Gaussian bumps exceeds its mean and 0.1 elsewhere, u from <see cref="DarcySolver"/>. Stored as two frames
    /// [a, u]. The threshold is each sample's own mean (PDEBench uses the mean over a batch of 200 samples, which
    /// ties samples together; per-sample keeps samples independent of batching).
    /// </summary>
    public static PdeDataset Darcy(int samples, int resolution, double beta = 100, int seed = 0, int threads = 0, IProgress<int>? progress = null)
    {
        Check(samples, resolution, 2);
        if (!double.IsFinite(beta * beta * resolution * resolution))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must be finite and small enough that the force's norm over the grid does not overflow.");
        }

        int size = resolution * resolution;
        var data = new float[(long)samples * 2 * size];
        float[] x = CellCentres(resolution, 0, 1);
        ForEachSample("darcy", data, samples, seed, threads, progress, s =>
        {
            double[] a = DarcyCoefficient(SampleRandom(seed, s), resolution, x);
            (double[] u, _) = DarcySolver.Solve(a, resolution, beta);
            for (int i = 0; i < size; i++)
            {
                data[(long)s * 2 * size + i] = (float)a[i];
                data[(long)s * 2 * size + size + i] = (float)u[i];
            }
        });
        return new PdeDataset("darcy", data, samples, 2, new[] { resolution, resolution }, new[] { "u" }, new[] { x, x }, new[] { 0f, 1f }, new Dictionary<string, double> { ["beta"] = beta });
    }

    /// <summary>The thresholded-bump coefficient field of one sample.</summary>
    public static double[] DarcyCoefficient(Random random, int n, float[] x)
    {
        var centres = Enumerable.Range(0, 5).Select(_ => (X: random.NextDouble(), Y: random.NextDouble(), S: 0.5 * random.NextDouble())).ToArray();
        var g = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                foreach ((double cx, double cy, double width) in centres)
                {
                    double d2 = (x[i] - cx) * (x[i] - cx) + (x[j] - cy) * (x[j] - cy);
                    sum += Math.Exp(-d2 / Math.Max(width, 1e-12));
                }

                g[i * n + j] = sum;
            }
        }

        double mean = g.Average();
        return g.Select(v => v > mean ? 1.0 : 0.1).ToArray();
    }

    internal static Random SampleRandom(int seed, int sample) => new(unchecked(seed * 1_000_003 + sample));

    internal static float[] CellCentres(int n, double start, double end) =>
        Enumerable.Range(0, n).Select(i => (float)(start + (end - start) * (i + 0.5) / n)).ToArray();

    private static float[] Times(int frames, double endTime) =>
        Enumerable.Range(0, frames).Select(k => (float)(frames == 1 ? 0 : endTime * k / (frames - 1))).ToArray();

    // Output cells are every stride-th solver cell (PDEBench's [::stride]).
    private static int SolverStride(int solverResolution, int resolution) => solverResolution % resolution == 0
        ? solverResolution / resolution
        : throw new ArgumentException($"solverResolution ({solverResolution}) must be a multiple of resolution ({resolution}).", nameof(solverResolution));

    private static void Check(int samples, int resolution, int frames)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(resolution, 4);
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
    }

    // A solver that blows up must not hand NaN or Inf to training as if it were data (PDEBench drops such samples
    // when it merges its files). Each sample is checked as soon as it is solved, and every failure names the sample
    // and seed so that the case can be reproduced alone.
    private static void ForEachSample(string equation, float[] data, int samples, int seed, int threads, IProgress<int>? progress, Action<int> generate)
    {
        int done = 0;
        int perSample = data.Length / samples;
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        try
        {
            Parallel.For(0, samples, options, s =>
            {
                try
                {
                    generate(s);
                }
                catch (Exception e) when (e is ArithmeticException or InvalidOperationException or ArgumentException)
                {
                    throw SampleFailure($"The {equation} generator failed on sample {s} of seed {seed}: {e.Message}", s, e);
                }

                if (HasNonFinite(data.AsSpan(s * perSample, perSample)))
                {
                    throw SampleFailure($"The {equation} solver produced NaN or infinity in sample {s} of seed {seed}: the run blew up. Try another seed or a finer solver resolution.", s, null);
                }

                progress?.Report(Interlocked.Increment(ref done));
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // The lowest failing sample among those that ran, not whichever thread failed first.
            Exception first = e.InnerExceptions.OrderBy(x => x.Data["sample"] as int? ?? int.MaxValue).First();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }
    }

    private static InvalidOperationException SampleFailure(string message, int sample, Exception? inner)
    {
        var failure = new InvalidOperationException(message, inner);
        failure.Data["sample"] = sample;
        return failure;
    }

    private static bool HasNonFinite(ReadOnlySpan<float> values)
    {
        foreach (float value in values)
        {
            if (!float.IsFinite(value))
            {
                return true;
            }
        }

        return false;
    }
}
