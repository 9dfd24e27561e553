namespace Microsoft.ML.TempBalance.SciML;

/// <summary>
/// PDEBench's error metrics on predicted trajectories (sciml-notes 2), averaged over samples (not batches): nRMSE
/// (per sample, channel and frame ‖pred − true‖₂/‖true‖₂ over space), RMSE and the maximum error, plus the
/// per-frame nRMSE curve. By default the context frames (given to the model, so error-free) are left out;
/// <c>includeContextFrames</c> reproduces the PDEBench paper's and ModelBalancing's numbers.
/// </summary>
public sealed record PdeMetrics(double NormalizedRmse, double Rmse, double MaxError, IReadOnlyList<double> NormalizedRmsePerFrame, int Frames)
{
    /// <summary>Metrics of predictions against truth, both [sample, time, space..., channel] with the same shape.</summary>
    /// <param name="predicted">Predictions (context frames included, as copies of the truth).</param>
    /// <param name="truth">Ground truth.</param>
    /// <param name="samples">Samples.</param>
    /// <param name="frames">Frames per sample.</param>
    /// <param name="points">Spatial points per frame.</param>
    /// <param name="channels">Channels.</param>
    /// <param name="contextFrames">Leading frames that were model input.</param>
    /// <param name="includeContextFrames">Average over all frames (PDEBench paper) instead of the predicted ones only.</param>
    public static PdeMetrics Compute(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth, int samples, int frames, int points, int channels, int contextFrames, bool includeContextFrames = false)
    {
        if (predicted.Length != truth.Length || predicted.Length != (long)samples * frames * points * channels)
        {
            throw new ArgumentException($"Predictions ({predicted.Length} values) and truth ({truth.Length}) must both be [{samples}, {frames}, {points}, {channels}].");
        }

        int first = includeContextFrames ? 0 : contextFrames;
        if (first >= frames)
        {
            throw new ArgumentException($"No frame is left to evaluate: {frames} frame(s), {contextFrames} context frame(s).");
        }

        var perFrame = new double[frames - first];
        double rmse = 0, max = 0;
        for (int t = first; t < frames; t++)
        {
            double frameSum = 0;
            for (int s = 0; s < samples; s++)
            {
                for (int c = 0; c < channels; c++)
                {
                    double error = 0, norm = 0;
                    for (int p = 0; p < points; p++)
                    {
                        long at = (((long)s * frames + t) * points + p) * channels + c;
                        double e = predicted[(int)at] - truth[(int)at];
                        error += e * e;
                        norm += (double)truth[(int)at] * truth[(int)at];
                        max = Math.Max(max, Math.Abs(e));
                    }

                    frameSum += norm > 0 ? Math.Sqrt(error / norm) : (error > 0 ? double.PositiveInfinity : 0);
                    rmse += Math.Sqrt(error / points);
                }
            }

            perFrame[t - first] = frameSum / (samples * channels);
        }

        int counted = frames - first;
        return new PdeMetrics(perFrame.Average(), rmse / ((double)samples * channels * counted), max, perFrame, counted);
    }
}
