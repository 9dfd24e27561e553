namespace Microsoft.ML.TempBalance.SciML.Generators;

/// <summary>
/// 2D compressible Navier–Stokes on a periodic [0, 1]² grid of n x n cells, PDEBench's 2D scheme as described in
/// sciml-notes 4.4–4.5: conservative variables (ρ, ρvx, ρvy, E) with E = p/(Γ−1) + ½ρ|v|², Γ = 5/3; per direction,
/// MUSCL/MC reconstruction of (ρ, vx, vy, p) (first order in a cell whose reconstruction would make ρ or p
/// non-positive) and HLLC fluxes with Davis wave speeds, the transverse velocity carried by the upwind star state;
/// the x and y flux differences of the same state are summed (unsplit), with the two-stage midpoint update. Then an
/// operator-split explicit viscous step per direction (normal velocity with (4η/3 + ζ), transverse with η, both
/// times the face density, no cross terms, as PDEBench's code). Δt = 0.3 / max((|vx| + c)/Δx + (|vy| + c)/Δy), the
/// unsplit form of the 1D solver's 0.3·Δx/max(c + |v|). Every update is in flux-difference form, so mass, both
/// momenta and energy are conserved to round-off (unless the pressure floor p ← 1e-4 for p ≤ 1e-8 has to act).
/// </summary>
public static class CompressibleFlow2D
{
    private const int Variables = 4;

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

        double dx = 1.0 / n;
        var u = NewState(cells);
        for (int c = 0; c < cells; c++)
        {
            double rho = density[c], vx = velocityX[c], vy = velocityY[c];
            u[0][c] = rho;
            u[1][c] = rho * vx;
            u[2][c] = rho * vy;
            u[3][c] = pressure[c] / (CompressibleFlow1D.Gamma - 1) + 0.5 * rho * (vx * vx + vy * vy);
        }

        var stage = NewState(cells);
        var rate = NewState(cells);
        var frames = new double[times.Count][][];
        double t = 0;
        for (int k = 0; k < times.Count; k++)
        {
            while (t < times[k] - 1e-12)
            {
                cancellation.ThrowIfCancellationRequested();
                double dt = Math.Min(0.3 / MaxRate(u, n, dx), times[k] - t);
                HydroRate(u, n, dx, rate);
                for (int q = 0; q < Variables; q++)
                {
                    for (int c = 0; c < cells; c++)
                    {
                        stage[q][c] = u[q][c] - 0.5 * dt * rate[q][c];
                    }
                }

                HydroRate(stage, n, dx, rate);
                for (int q = 0; q < Variables; q++)
                {
                    for (int c = 0; c < cells; c++)
                    {
                        u[q][c] -= dt * rate[q][c];
                    }
                }

                Viscous(u, n, dx, dt, eta, zeta, alongX: true);
                Viscous(u, n, dx, dt, eta, zeta, alongX: false);

                PressureFloor(u);
                t += dt;
            }

            frames[k] = Primitives(u);
        }

        return frames;
    }

    private static double[][] NewState(int cells) => Enumerable.Range(0, Variables).Select(_ => new double[cells]).ToArray();

    private static double MaxRate(double[][] u, int n, double dx)
    {
        double max = 0;
        double[][] w = Primitives(u);
        for (int c = 0; c < n * n; c++)
        {
            double sound = Math.Sqrt(CompressibleFlow1D.Gamma * Math.Max(w[3][c], 0) / w[0][c]);
            max = Math.Max(max, (Math.Abs(w[1][c]) + sound + Math.Abs(w[2][c]) + sound) / dx);
        }

        return max;
    }

    private static double[][] Primitives(double[][] u)
    {
        int cells = u[0].Length;
        var w = NewState(cells);
        for (int c = 0; c < cells; c++)
        {
            double rho = u[0][c], vx = u[1][c] / rho, vy = u[2][c] / rho;
            w[0][c] = rho;
            w[1][c] = vx;
            w[2][c] = vy;
            w[3][c] = (CompressibleFlow1D.Gamma - 1) * (u[3][c] - 0.5 * rho * (vx * vx + vy * vy));
        }

        return w;
    }

    // rate = ∂x F(U) + ∂y G(U), both from the same state.
    private static void HydroRate(double[][] u, int n, double dx, double[][] rate)
    {
        double[][] w = Primitives(u);
        foreach (double[] r in rate)
        {
            Array.Clear(r);
        }

        AddDirection(w, n, dx, rate, alongX: true);
        AddDirection(w, n, dx, rate, alongX: false);
    }

    // The flux difference along one axis.
    private static void AddDirection(double[][] w, int n, double dx, double[][] rate, bool alongX)
    {
        int cells = n * n;
        int Next(int c, int step) => Neighbour(c, step, n, alongX);
        int normal = alongX ? 1 : 2, transverse = alongX ? 2 : 1;
        var slope = NewState(cells);
        for (int c = 0; c < cells; c++)
        {
            int left = Next(c, -1), right = Next(c, 1);
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

        // flux[q][c] is the flux through the face between c and its next neighbour.
        var flux = NewState(cells);
        Span<double> f = stackalloc double[Variables];
        for (int c = 0; c < cells; c++)
        {
            int d = Next(c, 1);
            Hllc(
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
                rate[q][c] += (flux[q][c] - flux[q][Next(c, -1)]) / dx;
            }
        }
    }

    // Cell (i, j) is i·n + j; the periodic neighbour `step` cells away along x (i) or y (j).
    private static int Neighbour(int cell, int step, int n, bool alongX) => alongX
        ? ((cell / n + step + n) % n) * n + cell % n
        : (cell / n) * n + (cell % n + step + n) % n;

    /// <summary>HLLC flux (mass, normal momentum, transverse momentum, energy) between two primitive states.</summary>
    internal static void Hllc(double rhoL, double vL, double tL, double pL, double rhoR, double vR, double tR, double pR, Span<double> flux)
    {
        const double gamma = CompressibleFlow1D.Gamma;
        double cL = Math.Sqrt(gamma * pL / rhoL), cR = Math.Sqrt(gamma * pR / rhoR);
        double sL = Math.Min(vL, vR) - Math.Max(cL, cR);
        double sR = Math.Max(vL, vR) + Math.Max(cL, cR);
        if (sL >= 0)
        {
            Physical(rhoL, vL, tL, pL, flux);
            return;
        }

        if (sR <= 0)
        {
            Physical(rhoR, vR, tR, pR, flux);
            return;
        }

        double sStar = (pR - pL + rhoL * vL * (sL - vL) - rhoR * vR * (sR - vR)) / (rhoL * (sL - vL) - rhoR * (sR - vR));
        double pStar = pL + rhoL * (sL - vL) * (sStar - vL);
        bool fromLeft = sStar >= 0;
        double rhoStar = fromLeft ? rhoL * (sL - vL) / (sL - sStar) : rhoR * (sR - vR) / (sR - sStar);
        Physical(rhoStar, sStar, fromLeft ? tL : tR, pStar, flux);
    }

    private static void Physical(double rho, double v, double transverse, double p, Span<double> flux)
    {
        double e = p / (CompressibleFlow1D.Gamma - 1) + 0.5 * rho * (v * v + transverse * transverse);
        flux[0] = rho * v;
        flux[1] = rho * v * v + p;
        flux[2] = rho * v * transverse;
        flux[3] = (e + p) * v;
    }

    // Along one axis: ∂t(ρv_n) = ∂[(4η/3 + ζ) ρ_f ∂v_n], ∂t(ρv_t) = ∂[η ρ_f ∂v_t], ∂t E = ∂[½(4η/3 + ζ) ρ_f ∂v_n² + ½η ρ_f ∂v_t²],
    // explicit sub-steps within dt.
    private static void Viscous(double[][] u, int n, double dx, double dt, double eta, double zeta, bool alongX)
    {
        int cells = n * n;
        int Next(int c, int step) => Neighbour(c, step, n, alongX);
        int normal = alongX ? 1 : 2, transverse = alongX ? 2 : 1;
        double normalCoefficient = 4.0 * eta / 3.0 + zeta;
        double largest = Math.Max(normalCoefficient, eta);
        if (largest <= 0)
        {
            return;
        }

        double limit = 0.3 * 0.5 * dx * dx / largest;
        int steps = (int)Math.Ceiling(dt / limit);
        double h = dt / steps;
        var normalFlux = new double[cells];
        var transverseFlux = new double[cells];
        var energyFlux = new double[cells];
        for (int s = 0; s < steps; s++)
        {
            for (int c = 0; c < cells; c++)
            {
                int d = Next(c, 1);
                double nc = u[normal][c] / u[0][c], nd = u[normal][d] / u[0][d];
                double tc = u[transverse][c] / u[0][c], td = u[transverse][d] / u[0][d];
                double rhoFace = 0.5 * (u[0][c] + u[0][d]);
                normalFlux[c] = normalCoefficient * rhoFace * (nd - nc) / dx;
                transverseFlux[c] = eta * rhoFace * (td - tc) / dx;
                energyFlux[c] = 0.5 * rhoFace * (normalCoefficient * (nd * nd - nc * nc) + eta * (td * td - tc * tc)) / dx;
            }

            for (int c = 0; c < cells; c++)
            {
                int l = Next(c, -1);
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
            if ((CompressibleFlow1D.Gamma - 1) * (u[3][c] - kinetic) <= 1e-8)
            {
                u[3][c] = 1e-4 / (CompressibleFlow1D.Gamma - 1) + kinetic;
            }
        }
    }
}
