namespace Microsoft.ML.TempBalance.SciML.Training;

/// <summary>Which network <see cref="PdeSolver"/> trains.</summary>
public enum PdeModelKind
{
    /// <summary>PDEBench's Fourier neural operator (FNO1d / FNO2d).</summary>
    Fno,

    /// <summary>PDEBench's UNet (1D / 2D; spatial sizes divisible by 16).</summary>
    UNet,
}
