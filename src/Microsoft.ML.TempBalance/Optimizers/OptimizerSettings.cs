namespace Microsoft.ML.TempBalance.Optimizers;

/// <summary>Which optimizer and its hyper-parameters (the learning rate and weight decay come from the trainer).</summary>
public sealed record OptimizerSettings
{
    /// <summary>The base optimizer.</summary>
    public OptimizerKind Kind { get; init; } = OptimizerKind.AdamW;

    /// <summary>Adam β1.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Adam β2.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Adam ε.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>SGD momentum.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>SGD Nesterov momentum.</summary>
    public bool Nesterov { get; init; }

    /// <summary>AdaFactor settings (used when <see cref="Kind"/> is AdaFactor).</summary>
    public AdaFactorOptions AdaFactor { get; init; } = new();

    /// <summary>Wrap the base optimizer in SAM; null for none.</summary>
    public SamOptions? Sam { get; init; }

    /// <summary>Label for logs, e.g. <c>SAM(AdamW)</c>.</summary>
    public override string ToString() => Sam is null ? Kind.ToString() : $"SAM{(Sam.Adaptive ? "-adaptive" : "")}({Kind})";
}
