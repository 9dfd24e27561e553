namespace Microsoft.ML.TempBalance.SciML.Generators;

/// <summary>
/// 1D compressible Navier–Stokes on a periodic [−1, 1] grid, PDEBench's scheme as described in sciml-notes 4.4:
/// conservative variables (ρ, ρv, E) with E = p/(Γ−1) + ½ρv², Γ = 5/3; MUSCL/MC reconstruction of (ρ, v, p) (first
/// order in a cell whose reconstruction would make ρ or p non-positive), HLLC fluxes with Davis wave speeds and
/// star fluxes built from (ρ*, S*, p*), the two-stage midpoint update with Δt = 0.3·Δx/max(c + |v|), then an
/// operator-split explicit viscous step (coefficient (4η/3 + ζ) times the face density, as PDEBench's code, with no
/// cross terms). Every update is in flux-difference form, so mass, momentum and energy are conserved to round-off
/// (unless the pressure floor p ← 1e-4 for p ≤ 1e-8, applied after each stage, has to act).
/// </summary>
public static class CompressibleFlow1D
{
    /// <summary>The ratio of specific heats.</summary>
    public const double Gamma = 5.0 / 3.0;

    /// <summary>Frames of (ρ, v, p) at <paramref name="times"/>: result[frame][variable][cell].</summary>
    public static double[][][] Solve(double[] density, double[] velocity, double[] pressure, double eta, double zeta, IReadOnlyList<double> times, CancellationToken cancellation = default)
    {
        int n = density.Length;
        double dx = 2.0 / n;
        double viscosity = 4.0 * eta / 3.0 + zeta;
        var u = new double[3][] { new double[n], new double[n], new double[n] };
        for (int i = 0; i < n; i++)
        {
            u[0][i] = density[i];
            u[1][i] = density[i] * velocity[i];
            u[2][i] = pressure[i] / (Gamma - 1) + 0.5 * density[i] * velocity[i] * velocity[i];
        }

        var stage = new double[3][] { new double[n], new double[n], new double[n] };
        var rate = new double[3][] { new double[n], new double[n], new double[n] };
        var frames = new double[times.Count][][];
        double t = 0;
        for (int k = 0; k < times.Count; k++)
        {
            while (t < times[k] - 1e-12)
            {
                cancellation.ThrowIfCancellationRequested();
                double dt = Math.Min(0.3 * dx / MaxSignalSpeed(u), times[k] - t);
                HydroRate(u, dx, rate);
                for (int q = 0; q < 3; q++)
                {
                    for (int i = 0; i < n; i++)
                    {
                        stage[q][i] = u[q][i] - 0.5 * dt * rate[q][i];
                    }
                }

                PressureFloor(stage);
                HydroRate(stage, dx, rate);
                for (int q = 0; q < 3; q++)
                {
                    for (int i = 0; i < n; i++)
                    {
                        u[q][i] -= dt * rate[q][i];
                    }
                }

                if (viscosity > 0)
                {
                    Viscous(u, dx, dt, viscosity);
                }

                PressureFloor(u);
                t += dt;
            }

            frames[k] = Primitives(u);
        }

        return frames;
    }

    private static double MaxSignalSpeed(double[][] u)
    {
        double max = 0;
        for (int i = 0; i < u[0].Length; i++)
        {
            double rho = u[0][i], v = u[1][i] / rho, p = (Gamma - 1) * (u[2][i] - 0.5 * rho * v * v);
            max = Math.Max(max, Math.Abs(v) + Math.Sqrt(Gamma * Math.Max(p, 0) / rho));
        }

        return max;
    }

    private static double[][] Primitives(double[][] u)
    {
        int n = u[0].Length;
        var w = new double[3][] { new double[n], new double[n], new double[n] };
        for (int i = 0; i < n; i++)
        {
            double rho = u[0][i], v = u[1][i] / rho;
            w[0][i] = rho;
            w[1][i] = v;
            w[2][i] = (Gamma - 1) * (u[2][i] - 0.5 * rho * v * v);
        }

        return w;
    }

    private static void HydroRate(double[][] u, double dx, double[][] rate)
    {
        int n = u[0].Length;
        double[][] w = Primitives(u);
        var slope = new double[3][] { new double[n], new double[n], new double[n] };
        for (int q = 0; q < 3; q++)
        {
            Muscl.Slopes(w[q], slope[q]);
        }

        for (int i = 0; i < n; i++)
        {
            // Fall back to first order where a reconstructed density or pressure would not be positive.
            bool bad = w[0][i] - 0.5 * Math.Abs(slope[0][i]) <= 0 || w[2][i] - 0.5 * Math.Abs(slope[2][i]) <= 0;
            if (bad)
            {
                slope[0][i] = slope[1][i] = slope[2][i] = 0;
            }
        }

        var flux = new double[3][] { new double[n], new double[n], new double[n] };
        Span<double> f = stackalloc double[3];
        for (int i = 0; i < n; i++)
        {
            int j = (i + 1) % n;
            Hllc(
                w[0][i] + 0.5 * slope[0][i], w[1][i] + 0.5 * slope[1][i], w[2][i] + 0.5 * slope[2][i],
                w[0][j] - 0.5 * slope[0][j], w[1][j] - 0.5 * slope[1][j], w[2][j] - 0.5 * slope[2][j], f);
            flux[0][i] = f[0];
            flux[1][i] = f[1];
            flux[2][i] = f[2];
        }

        for (int q = 0; q < 3; q++)
        {
            for (int i = 0; i < n; i++)
            {
                rate[q][i] = (flux[q][i] - flux[q][(i - 1 + n) % n]) / dx;
            }
        }
    }

    /// <summary>HLLC flux (mass, momentum, energy) between a left and a right primitive state.</summary>
    internal static void Hllc(double rhoL, double vL, double pL, double rhoR, double vR, double pR, Span<double> flux)
    {
        Span<double> withTransverse = stackalloc double[4];
        HllcFlux.Compute(rhoL, vL, 0, pL, rhoR, vR, 0, pR, withTransverse);
        flux[0] = withTransverse[0];
        flux[1] = withTransverse[1];
        flux[2] = withTransverse[3];
    }

    // ∂t(ρv) = ∂x[ν ρ_f ∂x v], ∂t E = ∂x[½ ν ρ_f ∂x v²], explicit sub-steps within dt.
    private static void Viscous(double[][] u, double dx, double dt, double viscosity)
    {
        int n = u[0].Length;
        double limit = 0.3 * 0.5 * dx * dx / viscosity;
        int steps = (int)Math.Ceiling(dt / limit);
        double h = dt / steps;
        var momentumFlux = new double[n];
        var energyFlux = new double[n];
        for (int s = 0; s < steps; s++)
        {
            for (int i = 0; i < n; i++)
            {
                int j = (i + 1) % n;
                double vi = u[1][i] / u[0][i], vj = u[1][j] / u[0][j];
                double rhoFace = 0.5 * (u[0][i] + u[0][j]);
                momentumFlux[i] = viscosity * rhoFace * (vj - vi) / dx;
                energyFlux[i] = 0.5 * viscosity * rhoFace * (vj * vj - vi * vi) / dx;
            }

            for (int i = 0; i < n; i++)
            {
                int l = (i - 1 + n) % n;
                u[1][i] += h * (momentumFlux[i] - momentumFlux[l]) / dx;
                u[2][i] += h * (energyFlux[i] - energyFlux[l]) / dx;
            }
        }
    }

    private static void PressureFloor(double[][] u)
    {
        for (int i = 0; i < u[0].Length; i++)
        {
            double rho = u[0][i], v = u[1][i] / rho;
            double p = (Gamma - 1) * (u[2][i] - 0.5 * rho * v * v);
            if (p <= 1e-8)
            {
                u[2][i] = 1e-4 / (Gamma - 1) + 0.5 * rho * v * v;
            }
        }
    }
}
