namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>A test statistic, its degrees of freedom and one-sided p-value.</summary>
/// <param name="T">Student's t.</param>
/// <param name="DegreesOfFreedom">Degrees of freedom (Welch–Satterthwaite for unequal variances).</param>
/// <param name="PValue">One-sided p-value for "the first sample's mean is lower" (NaN when undefined).</param>
public sealed record SignificanceTest(double T, double DegreesOfFreedom, double PValue);

/// <summary>
/// The statistics of the experiment reports: mean and sample standard deviation, Student's t distribution, Welch's
/// unequal-variance t-test and the paired t-test, one-sided in the direction "A is lower than B" (lower error).
/// </summary>
public static class Statistics
{
    /// <summary>Mean and sample standard deviation (n − 1); the std is NaN for one value.</summary>
    public static (double Mean, double Std) MeanStd(IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return (double.NaN, double.NaN);
        }

        double mean = values.Average();
        double std = values.Count > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)) : double.NaN;
        return (mean, std);
    }

    /// <summary>P(T ≤ t) for Student's t with <paramref name="dof"/> degrees of freedom.</summary>
    public static double StudentTCdf(double t, double dof)
    {
        if (double.IsNaN(t) || !(dof > 0))
        {
            return double.NaN;
        }

        if (double.IsPositiveInfinity(t))
        {
            return 1;
        }

        if (double.IsNegativeInfinity(t))
        {
            return 0;
        }

        double tail = 0.5 * SpecialFunctions.RegularizedIncompleteBeta(dof / (dof + t * t), dof / 2, 0.5);
        return t >= 0 ? 1 - tail : tail;
    }

    /// <summary>Welch's t-test of H1: mean(a) &lt; mean(b).</summary>
    public static SignificanceTest WelchLess(IReadOnlyCollection<double> a, IReadOnlyCollection<double> b)
    {
        (double meanA, double stdA) = MeanStd(a);
        (double meanB, double stdB) = MeanStd(b);
        if (a.Count < 2 || b.Count < 2)
        {
            return new SignificanceTest(double.NaN, double.NaN, double.NaN);
        }

        double va = stdA * stdA / a.Count, vb = stdB * stdB / b.Count;
        if (va + vb == 0)
        {
            return new SignificanceTest(double.NaN, double.NaN, double.NaN);
        }

        double t = (meanA - meanB) / Math.Sqrt(va + vb);
        double dof = (va + vb) * (va + vb) / (va * va / (a.Count - 1) + vb * vb / (b.Count - 1));
        return new SignificanceTest(t, dof, StudentTCdf(t, dof));
    }

    /// <summary>Paired t-test of H1: mean(a − b) &lt; 0, pairs in the same order (e.g. by seed).</summary>
    public static SignificanceTest PairedLess(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count)
        {
            throw new ArgumentException($"A paired test needs pairs: {a.Count} and {b.Count} values.", nameof(b));
        }

        double[] d = a.Zip(b, (x, y) => x - y).ToArray();
        (double mean, double std) = MeanStd(d);
        if (d.Length < 2 || std == 0)
        {
            return new SignificanceTest(double.NaN, double.NaN, double.NaN);
        }

        double t = mean / (std / Math.Sqrt(d.Length));
        return new SignificanceTest(t, d.Length - 1, StudentTCdf(t, d.Length - 1));
    }
}
