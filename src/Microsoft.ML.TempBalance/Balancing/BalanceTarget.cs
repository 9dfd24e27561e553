namespace Microsoft.ML.TempBalance.Balancing;

/// <summary>Which "temperature" the balancer sets per unit.</summary>
[Flags]
public enum BalanceTarget
{
    /// <summary>The learning rate (TempBalance).</summary>
    LearningRate = 1,

    /// <summary>The weight decay of the unit's decay group (the reference's <c>hyperparam_to_tune = 'wd'</c>).</summary>
    WeightDecay = 2,

    /// <summary>Both (the reference's <c>'hybrid'</c>).</summary>
    Both = LearningRate | WeightDecay,
}
