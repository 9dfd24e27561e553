namespace Microsoft.ML.TempBalance.SciML.Generators;

/// <summary>
/// PDEBench's HLLC Riemann solver (sciml-notes 4.4) for the compressible solvers, across a face whose normal
/// velocity is v and transverse velocity t (0 in 1D): Davis wave speeds S_L = min(v_L, v_R) − max(c_L, c_R),
/// S_R = max(v_L, v_R) + max(c_L, c_R); the star flux is the physical flux of (ρ*, S*, t of the upwind side, p*).
/// </summary>
internal static class HllcFlux
{
    /// <summary>The flux (mass, normal momentum, transverse momentum, energy) between two primitive states.</summary>
    public static void Compute(double rhoL, double vL, double tL, double pL, double rhoR, double vR, double tR, double pR, Span<double> flux)
    {
        double cL = Math.Sqrt(CompressibleFlow1D.Gamma * pL / rhoL), cR = Math.Sqrt(CompressibleFlow1D.Gamma * pR / rhoR);
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
}
