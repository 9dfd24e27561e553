namespace Microsoft.ML.TempBalance.SciML.Generators;

/// <summary>Second-order MUSCL reconstruction with the monotonised-central limiter on a periodic 1D grid.</summary>
internal static class Muscl
{
    /// <summary>The limited slope of cell i from its neighbours.</summary>
    public static double Slope(double left, double centre, double right)
    {
        double a = centre - left, b = right - centre, c = 0.5 * (right - left);
        if (a * b <= 0)
        {
            return 0;
        }

        return Math.Sign(c) * Math.Min(2 * Math.Min(Math.Abs(a), Math.Abs(b)), Math.Abs(c));
    }

    /// <summary>Limited slopes of every cell of a periodic array.</summary>
    public static void Slopes(ReadOnlySpan<double> u, Span<double> slopes)
    {
        int n = u.Length;
        for (int i = 0; i < n; i++)
        {
            slopes[i] = Slope(u[(i - 1 + n) % n], u[i], u[(i + 1) % n]);
        }
    }
}
