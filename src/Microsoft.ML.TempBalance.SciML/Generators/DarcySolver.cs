namespace Microsoft.ML.TempBalance.SciML.Generators;

/// <summary>
/// The steady Darcy problem −∇·(a∇u) = f on (0, 1)² with u = 0 half a cell outside the boundary, on an n x n grid
/// of cell centres: PDEBench's finite-volume discretisation (arithmetic-mean face coefficients, ghost a copying the
/// interior) solved directly by Jacobi-preconditioned conjugate gradients instead of time-marching to t = 1.75
/// (sciml-notes 4.6).
/// </summary>
public static class DarcySolver
{
    /// <summary>u for coefficient field <paramref name="a"/> (row-major n x n) and constant force <paramref name="force"/>.</summary>
    /// <param name="a">Coefficients, positive.</param>
    /// <param name="n">Grid size.</param>
    /// <param name="force">f (PDEBench's beta).</param>
    /// <param name="tolerance">Stop when ‖r‖ ≤ tolerance·‖f‖.</param>
    /// <returns>The solution and the number of iterations.</returns>
    /// <exception cref="ArgumentOutOfRangeException">n &lt; 1, tolerance ≤ 0, or a force that is not finite or so large that ‖f‖ overflows.</exception>
    /// <exception cref="ArgumentException">The coefficient field does not have n x n values.</exception>
    /// <exception cref="InvalidOperationException">The iteration did not reach the tolerance (e.g. a NaN coefficient).</exception>
    public static (double[] U, int Iterations) Solve(double[] a, int n, double force, double tolerance = 1e-10)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (a.Length != n * n)
        {
            throw new ArgumentException($"The coefficient field has {a.Length} values; an {n} x {n} grid needs {n * n}.", nameof(a));
        }

        if (!(tolerance > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The tolerance must be positive.");
        }

        int size = n * n;
        if (!double.IsFinite(force) || !double.IsFinite(force * force * size))
        {
            throw new ArgumentOutOfRangeException(nameof(force), force, "The Darcy force (beta) must be finite and small enough that its norm over the grid does not overflow.");
        }

        var b = new double[size];
        Array.Fill(b, force);
        var diagonal = new double[size];
        for (int i = 0; i < size; i++)
        {
            diagonal[i] = Diagonal(a, n, i / n, i % n);
        }

        var u = new double[size];
        var r = (double[])b.Clone();
        var z = new double[size];
        var p = new double[size];
        var q = new double[size];
        for (int i = 0; i < size; i++)
        {
            z[i] = r[i] / diagonal[i];
            p[i] = z[i];
        }

        double rz = Dot(r, z);
        double target = tolerance * Math.Sqrt(Dot(b, b));
        int iteration = 0;
        while (Math.Sqrt(Dot(r, r)) > target && iteration < 20 * size)
        {
            Apply(a, n, p, q);
            double step = rz / Dot(p, q);
            for (int i = 0; i < size; i++)
            {
                u[i] += step * p[i];
                r[i] -= step * q[i];
                z[i] = r[i] / diagonal[i];
            }

            double next = Dot(r, z);
            double beta = next / rz;
            rz = next;
            for (int i = 0; i < size; i++)
            {
                p[i] = z[i] + beta * p[i];
            }

            iteration++;
        }

        // A stalled or broken iteration (NaN residual, indefinite operator) must not pass for a solution.
        if (!(Math.Sqrt(Dot(r, r)) <= target))
        {
            throw new InvalidOperationException($"The Darcy solve on {n} x {n} did not converge in {iteration} iterations (relative residual {Math.Sqrt(Dot(r, r)) / (target / tolerance):G3}); are all coefficients finite and positive?");
        }

        return (u, iteration);
    }

    /// <summary>(A u)_ij: the discrete −∇·(a∇u), scaled by h² (so A is independent of the grid spacing).</summary>
    public static void Apply(double[] a, int n, double[] u, double[] result)
    {
        double h2 = 1.0 / ((double)n * n);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                int c = i * n + j;
                double centre = a[c];
                double sum = 0;
                sum += Face(centre, i > 0 ? a[c - n] : centre) * (u[c] - (i > 0 ? u[c - n] : 0));
                sum += Face(centre, i < n - 1 ? a[c + n] : centre) * (u[c] - (i < n - 1 ? u[c + n] : 0));
                sum += Face(centre, j > 0 ? a[c - 1] : centre) * (u[c] - (j > 0 ? u[c - 1] : 0));
                sum += Face(centre, j < n - 1 ? a[c + 1] : centre) * (u[c] - (j < n - 1 ? u[c + 1] : 0));
                result[c] = sum / h2;
            }
        }
    }

    private static double Diagonal(double[] a, int n, int i, int j)
    {
        int c = i * n + j;
        double centre = a[c];
        double h2 = 1.0 / ((double)n * n);
        return (Face(centre, i > 0 ? a[c - n] : centre) + Face(centre, i < n - 1 ? a[c + n] : centre)
            + Face(centre, j > 0 ? a[c - 1] : centre) + Face(centre, j < n - 1 ? a[c + 1] : centre)) / h2;
    }

    // Boundary faces see a ghost coefficient equal to the cell's own (zero-gradient copy), so the face value is a.
    private static double Face(double a, double b) => 0.5 * (a + b);

    private static double Dot(double[] x, double[] y)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }
}
