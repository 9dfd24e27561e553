namespace Microsoft.ML.TempBalance.Optimizers;

/// <summary>Sharpness-Aware Minimization (Foret et al. 2021) settings.</summary>
public sealed record SamOptions
{
    /// <summary>Radius of the ascent step (0.05 in the SAM paper; adaptive SAM typically uses 0.5 to 2).</summary>
    public double Rho { get; init; } = 0.05;

    /// <summary>Adaptive SAM (Kwon et al. 2021): the ascent is scaled element-wise by |w|.</summary>
    public bool Adaptive { get; init; }
}
