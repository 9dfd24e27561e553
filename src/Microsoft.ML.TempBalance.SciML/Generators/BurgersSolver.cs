namespace Microsoft.ML.TempBalance.SciML.Generators;

/// <summary>
/// ∂ₜu + ∂ₓ(u²/2) = D ∂ₓₓu on a periodic [0, 1) grid of cell averages (PDEBench's scheme, sciml-notes 4.2): MUSCL
/// with the MC limiter, a Roe flux plus a central viscous flux, Δt = 0.25·min(Δx/max|u|, ½Δx²/D), and the
/// two-stage midpoint update, with steps clipped to land on the output times. Flux-difference form conserves
/// Σu·Δx to round-off.
/// </summary>
public static class BurgersSolver
{
    /// <summary>Frames of u at <paramref name="times"/> (ascending, the first may be 0), from <paramref name="initial"/>.</summary>
    public static double[][] Solve(double[] initial, double diffusivity, IReadOnlyList<double> times, CancellationToken cancellation = default)
    {
        int n = initial.Length;
        double dx = 1.0 / n;
        var u = (double[])initial.Clone();
        var stage = new double[n];
        var rate = new double[n];
        var frames = new double[times.Count][];
        double t = 0;
        for (int k = 0; k < times.Count; k++)
        {
            while (t < times[k] - 1e-12)
            {
                cancellation.ThrowIfCancellationRequested();
                double maxSpeed = u.Max(Math.Abs);
                double dt = 0.25 * Math.Min(maxSpeed > 0 ? dx / maxSpeed : double.PositiveInfinity, diffusivity > 0 ? 0.5 * dx * dx / diffusivity : double.PositiveInfinity);
                dt = Math.Min(dt, times[k] - t);
                Rate(u, diffusivity, dx, rate);
                for (int i = 0; i < n; i++)
                {
                    stage[i] = u[i] - 0.5 * dt * rate[i];
                }

                Rate(stage, diffusivity, dx, rate);
                for (int i = 0; i < n; i++)
                {
                    u[i] -= dt * rate[i];
                }

                t += dt;
            }

            frames[k] = (double[])u.Clone();
        }

        return frames;
    }

    // L(u) = (F_{i+½} − F_{i−½}) / Δx.
    private static void Rate(double[] u, double diffusivity, double dx, double[] rate)
    {
        int n = u.Length;
        Span<double> slopes = n <= 4096 ? stackalloc double[n] : new double[n];
        Muscl.Slopes(u, slopes);
        Span<double> flux = n <= 4096 ? stackalloc double[n] : new double[n]; // flux[i] = F at face i+½
        for (int i = 0; i < n; i++)
        {
            int j = (i + 1) % n;
            double left = u[i] + 0.5 * slopes[i];
            double right = u[j] - 0.5 * slopes[j];
            flux[i] = 0.25 * (left * left + right * right)
                - 0.5 * Math.Abs(0.5 * (left + right)) * (right - left)
                - diffusivity * (u[j] - u[i]) / dx;
        }

        for (int i = 0; i < n; i++)
        {
            rate[i] = (flux[i] - flux[(i - 1 + n) % n]) / dx;
        }
    }
}
