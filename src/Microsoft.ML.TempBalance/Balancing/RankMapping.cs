namespace Microsoft.ML.TempBalance.Balancing;

/// <summary>
/// Rank-based map (the reference's <c>tb_step</c> / <c>tbr</c>): the unit of 0-based rank r among L units
/// (ascending score) gets MinFactor + (MaxFactor − MinFactor)·r/L. As in the reference, the top rank reaches
/// only MinFactor + (MaxFactor − MinFactor)(L−1)/L. Ties keep the units' order (stable sort).
/// </summary>
public sealed class RankMapping : ILearningRateMapping
{
    /// <summary>Creates the mapping.</summary>
    public RankMapping(double minFactor = 0.5, double maxFactor = 1.5)
    {
        (MinFactor, MaxFactor) = MappingArguments.FactorRange(minFactor, maxFactor);
    }

    /// <summary>Factor of the lowest rank.</summary>
    public double MinFactor { get; }

    /// <summary>Upper end of the rank scale (not reached).</summary>
    public double MaxFactor { get; }

    /// <inheritdoc />
    public string Name => "TB_Rank";

    /// <inheritdoc />
    public double[] Factors(IReadOnlyList<double> scores)
    {
        MappingArguments.Scores(scores);
        int count = scores.Count;
        int[] order = Enumerable.Range(0, count).OrderBy(i => scores[i]).ToArray();
        var factors = new double[count];
        for (int rank = 0; rank < count; rank++)
        {
            factors[order[rank]] = MinFactor + (MaxFactor - MinFactor) * rank / count;
        }

        return factors;
    }
}
