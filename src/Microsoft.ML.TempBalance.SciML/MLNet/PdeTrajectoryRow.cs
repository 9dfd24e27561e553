namespace Microsoft.ML.TempBalance.SciML.MLNet;

/// <summary>One sample as a row: its input frames and the frames after them (columns renamed by the loader's schema).</summary>
internal sealed class PdeTrajectoryRow
{
    public float[] Features { get; set; } = Array.Empty<float>();

    public float[] Label { get; set; } = Array.Empty<float>();
}
