namespace Microsoft.ML.TempBalance.Balancing;

/// <summary>
/// TB_Linear_Map (the original TempBalance default): scores are mapped linearly from [min, max] onto
/// [<see cref="MinFactor"/>, <see cref="MaxFactor"/>].
/// </summary>
/// <remarks>
/// Deviation from the reference (project decision 6): when all scores are equal every factor is 1.0; the
/// reference's <c>numpy.interp</c> would give every unit the upper bound.
/// </remarks>
public sealed class LinearMapping : ILearningRateMapping
{
    /// <summary>Creates the mapping.</summary>
    /// <param name="minFactor">Factor of the lowest score (default 0.5).</param>
    /// <param name="maxFactor">Factor of the highest score (default 1.5).</param>
    public LinearMapping(double minFactor = 0.5, double maxFactor = 1.5)
    {
        (MinFactor, MaxFactor) = MappingArguments.FactorRange(minFactor, maxFactor);
    }

    /// <summary>Factor of the lowest score.</summary>
    public double MinFactor { get; }

    /// <summary>Factor of the highest score.</summary>
    public double MaxFactor { get; }

    /// <inheritdoc />
    public string Name => "TB_Linear_Map";

    /// <inheritdoc />
    public double[] Factors(IReadOnlyList<double> scores)
    {
        MappingArguments.Scores(scores);
        double min = scores.Min();
        double max = scores.Max();
        if (max == min)
        {
            return Enumerable.Repeat(1.0, scores.Count).ToArray();
        }

        return scores.Select(s => MinFactor + (MaxFactor - MinFactor) * (s - min) / (max - min)).ToArray();
    }
}
