namespace Microsoft.ML.TempBalance.SciML.Training;

/// <summary>The per-step training objective of the PDE solvers.</summary>
public enum PdeLoss
{
    /// <summary>Mean squared error over the batch (PDEBench's objective).</summary>
    Mse,

    /// <summary>
    /// Relative L2 error ‖prediction − target‖₂ / ‖target‖₂ per sample (space and channels together), averaged over
    /// the batch: the objective of Li et al.'s FNO paper and the quantity nRMSE measures. Samples with small fields
    /// weigh as much as large ones, which MSE does not do. Every target frame must be non-zero.
    /// </summary>
    RelativeL2,
}
