namespace Microsoft.ML.TempBalance.SciML.Generators;

/// <summary>
/// 2D compressible Navier–Stokes on a periodic [0, 1]² grid of n x n cells, PDEBench's 2D scheme as described in
/// sciml-notes 4.4–4.5: conservative variables (ρ, ρvx, ρvy, E) with E = p/(Γ−1) + ½ρ|v|², Γ = 5/3; per direction,
/// MUSCL/MC reconstruction of (ρ, vx, vy, p) (first order in a cell whose reconstruction would make ρ or p
/// non-positive) and HLLC fluxes with Davis wave speeds, the transverse velocity carried by the upwind star state;
/// the x and y flux differences of the same state are summed (unsplit), with the two-stage midpoint update and
/// PDEBench's step Δt = 0.3·min(Δx/max(c + |vx|), Δy/max(c + |vy|)). Then an operator-split explicit viscous step
/// per direction (normal velocity with (4η/3 + ζ), transverse with η, both times the face density, no cross terms,
/// as PDEBench's code). Every update is in flux-difference form, so mass, both momenta and energy are conserved to
/// round-off (unless the pressure floor p ← 1e-4 for p ≤ 1e-8, applied after each stage, has to act). A flow that
/// varies along one axis only reproduces <see cref="CompressibleFlow1D"/> step for step.
/// </summary>
public static class CompressibleFlow2D
{
    private const int Variables = 4;
    private const double Gamma = CompressibleFlow1D.Gamma;

    /// <summary>
    /// Frames of (ρ, vx, vy, p) at <paramref name="times"/>: result[frame][variable][i·n + j], with i along x and
    /// j along y.
    /// </summary>
    public static double[][][] Solve(double[] density, double[] velocityX, double[] velocityY, double[] pressure, int n, double eta, double zeta, IReadOnlyList<double> times, CancellationToken cancellation = default)
    {
        int cells = n * n;
        foreach ((double[] field, string name) in new[] { (density, nameof(density)), (velocityX, nameof(velocityX)), (velocityY, nameof(velocityY)), (pressure, nameof(pressure)) })
        {
            if (field.Length != cells)
            {
                throw new ArgumentException($"{name} has {field.Length} values; an {n} x {n} grid needs {cells}.", name);
            }
        }

        var grid = new Workspace(n);
        double[][] u = grid.State();
        for (int c = 0; c < cells; c++)
        {
            double rho = density[c], vx = velocityX[c], vy = velocityY[c];
            u[0][c] = rho;
            u[1][c] = rho * vx;
            u[2][c] = rho * vy;
            u[3][c] = pressure[c] / (Gamma - 1) + 0.5 * rho * (vx * vx + vy * vy);
        }

        double[][] stage = grid.State();
        double[][] rate = grid.State();
        var frames = new double[times.Count][][];
        double t = 0;
        for (int k = 0; k < times.Count; k++)
        {
            while (t < times[k] - 1e-12)
            {
                cancellation.ThrowIfCancellationRequested();
                // One set of primitives serves both the step size and the first stage's fluxes.
                Primitives(u, grid.Primitive);
                double dt = Math.Min(0.3 * grid.Dx / MaxSignalSpeed(grid.Primitive), times[k] - t);
                RateFromPrimitives(grid, rate);
                for (int q = 0; q < Variables; q++)
                {
                    for (int c = 0; c < cells; c++)
                    {
                        stage[q][c] = u[q][c] - 0.5 * dt * rate[q][c];
                    }
                }

                PressureFloor(stage);
                HydroRate(stage, grid, rate);
                for (int q = 0; q < Variables; q++)
                {
                    for (int c = 0; c < cells; c++)
                    {
                        u[q][c] -= dt * rate[q][c];
                    }
                }

                Viscous(u, grid, dt, eta, zeta, alongX: true);
                Viscous(u, grid, dt, eta, zeta, alongX: false);
                PressureFloor(u);
                t += dt;
            }

            double[][] frame = grid.State();
            Primitives(u, frame);
            frames[k] = frame;
        }

        return frames;
    }

    // max over both axes of max(|v_axis| + c), the denominator of PDEBench's step (Δx = Δy).
    private static double MaxSignalSpeed(double[][] w)
    {
        double max = 0;
        for (int c = 0; c < w[0].Length; c++)
        {
            double sound = Math.Sqrt(Gamma * Math.Max(w[3][c], 0) / w[0][c]);
            max = Math.Max(max, Math.Max(Math.Abs(w[1][c]) + sound, Math.Abs(w[2][c]) + sound));
        }

        return max;
    }

    private static void Primitives(double[][] u, double[][] w)
    {
        for (int c = 0; c < u[0].Length; c++)
        {
            double rho = u[0][c], vx = u[1][c] / rho, vy = u[2][c] / rho;
            w[0][c] = rho;
            w[1][c] = vx;
            w[2][c] = vy;
            w[3][c] = (Gamma - 1) * (u[3][c] - 0.5 * rho * (vx * vx + vy * vy));
        }
    }

    // rate = ∂x F(U) + ∂y G(U), both from the same state.
    private static void HydroRate(double[][] u, Workspace grid, double[][] rate)
    {
        Primitives(u, grid.Primitive);
        RateFromPrimitives(grid, rate);
    }

    // The same from the primitives already in grid.Primitive.
    private static void RateFromPrimitives(Workspace grid, double[][] rate)
    {
        foreach (double[] r in rate)
        {
            Array.Clear(r);
        }

        AddDirection(grid, rate, alongX: true);
        AddDirection(grid, rate, alongX: false);
    }

    // Adds the flux difference along one axis of the primitives in grid.Primitive.
    private static void AddDirection(Workspace grid, double[][] rate, bool alongX)
    {
        double[][] w = grid.Primitive, slope = grid.Slope, flux = grid.Flux;
        int[] previous = alongX ? grid.PreviousX : grid.PreviousY;
        int[] next = alongX ? grid.NextX : grid.NextY;
        int cells = w[0].Length;
        int normal = alongX ? 1 : 2, transverse = alongX ? 2 : 1;
        for (int c = 0; c < cells; c++)
        {
            int left = previous[c], right = next[c];
            for (int q = 0; q < Variables; q++)
            {
                slope[q][c] = Muscl.Slope(w[q][left], w[q][c], w[q][right]);
            }

            if (w[0][c] - 0.5 * Math.Abs(slope[0][c]) <= 0 || w[3][c] - 0.5 * Math.Abs(slope[3][c]) <= 0)
            {
                for (int q = 0; q < Variables; q++)
                {
                    slope[q][c] = 0;
                }
            }
        }

        // flux[q][c] is the flux through the face between c and next[c].
        Span<double> f = stackalloc double[Variables];
        for (int c = 0; c < cells; c++)
        {
            int d = next[c];
            HllcFlux.Compute(
                w[0][c] + 0.5 * slope[0][c], w[normal][c] + 0.5 * slope[normal][c], w[transverse][c] + 0.5 * slope[transverse][c], w[3][c] + 0.5 * slope[3][c],
                w[0][d] - 0.5 * slope[0][d], w[normal][d] - 0.5 * slope[normal][d], w[transverse][d] - 0.5 * slope[transverse][d], w[3][d] - 0.5 * slope[3][d],
                f);
            flux[0][c] = f[0];
            flux[normal][c] = f[1];
            flux[transverse][c] = f[2];
            flux[3][c] = f[3];
        }

        for (int q = 0; q < Variables; q++)
        {
            for (int c = 0; c < cells; c++)
            {
                rate[q][c] += (flux[q][c] - flux[q][previous[c]]) / grid.Dx;
            }
        }
    }

    // Along one axis: ∂t(ρv_n) = ∂[(4η/3 + ζ) ρ_f ∂v_n], ∂t(ρv_t) = ∂[η ρ_f ∂v_t], ∂t E = ∂[½(4η/3 + ζ) ρ_f ∂v_n² + ½η ρ_f ∂v_t²],
    // explicit sub-steps within dt.
    private static void Viscous(double[][] u, Workspace grid, double dt, double eta, double zeta, bool alongX)
    {
        double normalCoefficient = 4.0 * eta / 3.0 + zeta;
        double largest = Math.Max(normalCoefficient, eta);
        if (largest <= 0)
        {
            return;
        }

        int[] previous = alongX ? grid.PreviousX : grid.PreviousY;
        int[] next = alongX ? grid.NextX : grid.NextY;
        int normal = alongX ? 1 : 2, transverse = alongX ? 2 : 1;
        double dx = grid.Dx;
        double limit = 0.3 * 0.5 * dx * dx / largest;
        int steps = (int)Math.Ceiling(dt / limit);
        double h = dt / steps;
        double[] normalFlux = grid.Flux[0], transverseFlux = grid.Flux[1], energyFlux = grid.Flux[2];
        int cells = u[0].Length;
        for (int s = 0; s < steps; s++)
        {
            for (int c = 0; c < cells; c++)
            {
                int d = next[c];
                double nc = u[normal][c] / u[0][c], nd = u[normal][d] / u[0][d];
                double tc = u[transverse][c] / u[0][c], td = u[transverse][d] / u[0][d];
                double rhoFace = 0.5 * (u[0][c] + u[0][d]);
                normalFlux[c] = normalCoefficient * rhoFace * (nd - nc) / dx;
                transverseFlux[c] = eta * rhoFace * (td - tc) / dx;
                energyFlux[c] = 0.5 * normalCoefficient * rhoFace * (nd * nd - nc * nc) / dx + 0.5 * eta * rhoFace * (td * td - tc * tc) / dx;
            }

            for (int c = 0; c < cells; c++)
            {
                int l = previous[c];
                u[normal][c] += h * (normalFlux[c] - normalFlux[l]) / dx;
                u[transverse][c] += h * (transverseFlux[c] - transverseFlux[l]) / dx;
                u[3][c] += h * (energyFlux[c] - energyFlux[l]) / dx;
            }
        }
    }

    private static void PressureFloor(double[][] u)
    {
        for (int c = 0; c < u[0].Length; c++)
        {
            double rho = u[0][c], vx = u[1][c] / rho, vy = u[2][c] / rho;
            double kinetic = 0.5 * rho * (vx * vx + vy * vy);
            if ((Gamma - 1) * (u[3][c] - kinetic) <= 1e-8)
            {
                u[3][c] = 1e-4 / (Gamma - 1) + kinetic;
            }
        }
    }

    // Buffers reused by every step of one solve, and the periodic neighbours of cell (i, j) = i·n + j.
    private sealed class Workspace
    {
        public Workspace(int n)
        {
            Dx = 1.0 / n;
            Cells = n * n;
            Primitive = State();
            Slope = State();
            Flux = State();
            PreviousX = new int[Cells];
            NextX = new int[Cells];
            PreviousY = new int[Cells];
            NextY = new int[Cells];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    int c = i * n + j;
                    PreviousX[c] = ((i - 1 + n) % n) * n + j;
                    NextX[c] = ((i + 1) % n) * n + j;
                    PreviousY[c] = i * n + (j - 1 + n) % n;
                    NextY[c] = i * n + (j + 1) % n;
                }
            }
        }

        public double Dx { get; }

        public int Cells { get; }

        public double[][] Primitive { get; }

        public double[][] Slope { get; }

        public double[][] Flux { get; }

        public int[] PreviousX { get; }

        public int[] NextX { get; }

        public int[] PreviousY { get; }

        public int[] NextY { get; }

        public double[][] State() => Enumerable.Range(0, Variables).Select(_ => new double[Cells]).ToArray();
    }
}
