namespace Microsoft.ML.TempBalance.Balancing;

/// <summary>One unit's state after an analysis.</summary>
/// <param name="Unit">Layer or block name.</param>
/// <param name="Score">The unit's score used by the mapping (NaN when it had none).</param>
/// <param name="Factor">Learning-rate factor (1 when not balanced at this update).</param>
/// <param name="LearningRate">base(t) x factor at the update's step.</param>
/// <param name="WeightDecayFactor">Weight-decay factor (1 unless weight decay is balanced).</param>
/// <param name="Balanced">False when the unit kept the base rate (no eligible layer or a non-finite score).</param>
/// <param name="Reason">Why the unit was not balanced.</param>
public sealed record UnitBalance(string Unit, double Score, double Factor, double LearningRate, double WeightDecayFactor, bool Balanced, string? Reason);
