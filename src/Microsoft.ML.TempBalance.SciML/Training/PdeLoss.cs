namespace Microsoft.ML.TempBalance.SciML.Training;

/// <summary>The per-step training objective of the PDE solvers.</summary>
public enum PdeLoss
{
    /// <summary>Mean squared error over the batch (PDEBench's objective).</summary>
    Mse,

    /// <summary>
    /// Relative L2 error ‖prediction − target‖₂ / ‖target‖₂ over space, per sample and channel, averaged over both
    /// (and summed over predicted frames): Li et al.'s FNO objective, normalised per channel as nRMSE is. Samples and
    /// channels with small fields weigh as much as large ones, which MSE does not do. No scored target channel may be
    /// zero everywhere.
    /// </summary>
    RelativeL2,
}
