namespace Microsoft.ML.TempBalance.SciML.Training;

/// <summary>
/// The names under which <see cref="PdeLoss"/> and <see cref="PdeNormalization"/> are written in the CLI and in
/// experiment specs, so that both accept and mean the same words.
/// </summary>
internal static class PdeTrainingNames
{
    /// <summary>Loss names: mse (PDEBench) and relative-l2 (Li et al.).</summary>
    public static readonly string[] Losses = { "mse", "relative-l2" };

    /// <summary>Normalisation names: none (PDEBench) and pointwise (Li et al.).</summary>
    public static readonly string[] Normalizations = { "none", "pointwise" };

    /// <summary>The loss named <paramref name="name"/>, one of <see cref="Losses"/>.</summary>
    public static PdeLoss Loss(string name) => name switch
    {
        "mse" => PdeLoss.Mse,
        "relative-l2" => PdeLoss.RelativeL2,
        _ => throw new ArgumentException($"Loss '{name}' is unknown; expected {string.Join(" or ", Losses)}.", nameof(name)),
    };

    /// <summary>The normalisation named <paramref name="name"/>, one of <see cref="Normalizations"/>.</summary>
    public static PdeNormalization Normalization(string name) => name switch
    {
        "none" => PdeNormalization.None,
        "pointwise" => PdeNormalization.PointwiseGaussian,
        _ => throw new ArgumentException($"Normalisation '{name}' is unknown; expected {string.Join(" or ", Normalizations)}.", nameof(name)),
    };
}
