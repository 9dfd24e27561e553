namespace Microsoft.ML.TempBalance.Balancing;

internal static class MappingArguments
{
    public static double Positive(double value, string name) =>
        value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive finite number.");

    public static double NonNegative(double value, string name) =>
        value >= 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be a non-negative finite number.");

    public static (double Min, double Max) FactorRange(double minFactor, double maxFactor)
    {
        Positive(minFactor, nameof(minFactor));
        Positive(maxFactor, nameof(maxFactor));
        return maxFactor >= minFactor
            ? (minFactor, maxFactor)
            : throw new ArgumentOutOfRangeException(nameof(maxFactor), maxFactor, $"maxFactor must be at least minFactor ({minFactor}).");
    }

    public static void Scores(IReadOnlyList<double> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.Count == 0)
        {
            throw new ArgumentException("At least one score is needed.", nameof(scores));
        }

        for (int i = 0; i < scores.Count; i++)
        {
            if (!double.IsFinite(scores[i]))
            {
                throw new ArgumentException($"Score {i} is {scores[i]}; mappings take finite scores only.", nameof(scores));
            }
        }
    }

    // L·f(s_i) / Σ f(s_k): the mean factor is 1 (tb_sqrt, tb_log2).
    public static double[] Normalized(IReadOnlyList<double> scores, Func<double, double> f)
    {
        Scores(scores);
        double[] values = scores.Select(f).ToArray();
        double sum = values.Sum();
        return values.Select(v => scores.Count * v / sum).ToArray();
    }
}
