namespace Microsoft.ML.TempBalance.Optimizers;

/// <summary>The base optimizers. Any of them can be wrapped in SAM (<see cref="OptimizerSettings.Sam"/>).</summary>
public enum OptimizerKind
{
    /// <summary>Adam with decoupled weight decay (the text trainers' default).</summary>
    AdamW,

    /// <summary>Adam with coupled L2 weight decay added to the gradient (PDEBench's choice).</summary>
    Adam,

    /// <summary>SGD with momentum.</summary>
    Sgd,

    /// <summary>AdaFactor (Shazeer and Stern 2018) with an external learning rate.</summary>
    AdaFactor,
}
