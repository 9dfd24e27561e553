namespace Microsoft.ML.TempBalance.Balancing;

/// <summary>
/// The exponential map of the paper's rebuttal: factor = 10^((s − mean)^p). For a negative difference d the power
/// is taken as sign(d)·|d|^p, so that any real exponent is defined and lower-than-mean units slow down
/// symmetrically (a literal (d)^p is undefined for negative d and non-integer p).
/// </summary>
public sealed class ExpMapping : ILearningRateMapping
{
    /// <summary>Creates the mapping.</summary>
    /// <param name="exponent">p (positive; default 1, i.e. factor 10^(s − mean)).</param>
    public ExpMapping(double exponent = 1.0)
    {
        Exponent = MappingArguments.Positive(exponent, nameof(exponent));
    }

    /// <summary>p.</summary>
    public double Exponent { get; }

    /// <inheritdoc />
    public string Name => "TB_Exp";

    /// <inheritdoc />
    public double[] Factors(IReadOnlyList<double> scores)
    {
        MappingArguments.Scores(scores);
        double mean = scores.Average();
        return scores.Select(s =>
        {
            double d = s - mean;
            return Math.Pow(10.0, Math.Sign(d) * Math.Pow(Math.Abs(d), Exponent));
        }).ToArray();
    }
}
