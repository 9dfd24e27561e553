namespace Microsoft.ML.TempBalance.Balancing;

/// <summary>
/// <c>tb_sqrt</c>: factor_i = L·√s_i / Σ√s_k, so the mean factor is 1. Scores must be non-negative.
/// </summary>
public sealed class SqrtMapping : ILearningRateMapping
{
    /// <inheritdoc />
    public string Name => "TB_Sqrt";

    /// <inheritdoc />
    public double[] Factors(IReadOnlyList<double> scores) => MappingArguments.Normalized(scores, Math.Sqrt);
}
