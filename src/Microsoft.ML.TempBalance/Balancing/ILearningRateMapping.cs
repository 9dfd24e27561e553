namespace Microsoft.ML.TempBalance.Balancing;

/// <summary>
/// Turns the scores of the balanced units (normally PL_Alpha_Hill) into multiplicative factors on the base
/// learning rate: unit i trains at base(t) x factor[i]. Implement this interface to add a mapping.
/// </summary>
/// <remarks>
/// The scheduler passes only finite scores of eligible units (others keep factor 1) and checks the result:
/// a factor that is not finite and positive makes that update fall back to factor 1 everywhere, with a warning.
/// </remarks>
public interface ILearningRateMapping
{
    /// <summary>Short name for logs and reports, e.g. <c>TB_Sigmoid</c>.</summary>
    string Name { get; }

    /// <summary>One factor per score, in the same order.</summary>
    /// <param name="scores">Finite scores, at least one.</param>
    double[] Factors(IReadOnlyList<double> scores);
}
