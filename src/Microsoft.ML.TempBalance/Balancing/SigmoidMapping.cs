namespace Microsoft.ML.TempBalance.Balancing;

/// <summary>
/// TB_Sigmoid, the paper's equation (4) with the reference code's asymmetric scales: with d = score − mean,
/// factor = 10^(s·(σ(τ·d) − ½)), where s = <see cref="LowScale"/> for d ≤ 0 and <see cref="HighScale"/> for d &gt; 0.
/// Factors lie in (10^(−LowScale/2), 10^(HighScale/2)); a unit at the mean keeps factor 1.
/// </summary>
public sealed class SigmoidMapping : ILearningRateMapping
{
    /// <summary>Creates the mapping.</summary>
    /// <param name="lowScale">s for units at or below the mean (reference default 2).</param>
    /// <param name="highScale">s for units above the mean (reference default 1).</param>
    /// <param name="temperature">τ (reference default 10).</param>
    public SigmoidMapping(double lowScale = 2.0, double highScale = 1.0, double temperature = 10.0)
    {
        LowScale = MappingArguments.NonNegative(lowScale, nameof(lowScale));
        HighScale = MappingArguments.NonNegative(highScale, nameof(highScale));
        Temperature = MappingArguments.Positive(temperature, nameof(temperature));
    }

    /// <summary>s for units at or below the mean score.</summary>
    public double LowScale { get; }

    /// <summary>s for units above the mean score.</summary>
    public double HighScale { get; }

    /// <summary>τ, the sigmoid's steepness.</summary>
    public double Temperature { get; }

    /// <inheritdoc />
    public string Name => "TB_Sigmoid";

    /// <inheritdoc />
    public double[] Factors(IReadOnlyList<double> scores)
    {
        MappingArguments.Scores(scores);
        double mean = scores.Average();
        return scores.Select(score =>
        {
            double d = score - mean;
            double scale = d > 0 ? HighScale : LowScale;
            double sigmoid = 1.0 / (1.0 + Math.Exp(-Temperature * d));
            return Math.Pow(10.0, scale * (sigmoid - 0.5));
        }).ToArray();
    }
}
