namespace Microsoft.ML.TempBalance.Balancing;

/// <summary>
/// <c>tb_log2</c>: factor_i = L·log2(s_i) / Σ log2(s_k), so the mean factor is 1.
/// </summary>
/// <remarks>
/// As in the reference this is undefined for scores at or below 1 (zero, negative or NaN factors); the scheduler
/// then keeps factor 1 for that update and warns, instead of setting a negative learning rate.
/// </remarks>
public sealed class Log2Mapping : ILearningRateMapping
{
    /// <inheritdoc />
    public string Name => "TB_Log2";

    /// <inheritdoc />
    public double[] Factors(IReadOnlyList<double> scores) => MappingArguments.Normalized(scores, Math.Log2);
}
