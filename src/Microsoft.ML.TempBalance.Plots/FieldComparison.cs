namespace Microsoft.ML.TempBalance.Plots;

/// <summary>
/// One frame of a field, true and predicted, for <see cref="FieldPlots.WritePrediction"/>. Values are laid out
/// spatial index first, channel last (PDEBench's layout, which <c>PdeDataset.Frame</c> returns).
/// </summary>
/// <param name="Title">What the frame is, e.g. <c>Darcy sample 0, last frame</c>.</param>
/// <param name="SpatialShape">One size (1D) or two (2D).</param>
/// <param name="Channels">The channel names; the first channel is plotted.</param>
/// <param name="Truth">The true frame.</param>
/// <param name="Prediction">The predicted frame, laid out like <paramref name="Truth"/>.</param>
public sealed record FieldComparison(string Title, IReadOnlyList<int> SpatialShape, IReadOnlyList<string> Channels, float[] Truth, float[] Prediction)
{
    /// <summary>1D only: the x coordinate of each point; cell indices when null.</summary>
    public float[]? X { get; init; }
}
