using TorchSharp;

namespace Microsoft.ML.TempBalance.SciML;

/// <summary>
/// PDEBench's conservation, boundary and Fourier errors (sciml-notes 2), averaged over the evaluated frames and
/// channels: cRMSE, bRMSE and fRMSE in the low [0, 4), mid [4, 12) and high [12, ...) wavenumber bands (domain
/// lengths 1, as PDEBench).
/// </summary>
public sealed record PdeErrorSpectrum(double ConservedRmse, double BoundaryRmse, double FourierLow, double FourierMid, double FourierHigh)
{
    /// <summary>Computes the errors of frames [first, frames) of [sample, time, space..., channel] data.</summary>
    public static PdeErrorSpectrum Compute(float[] predicted, float[] truth, int samples, int frames, IReadOnlyList<int> spatial, int channels, int first)
    {
        using var scope = torch.NewDisposeScope();
        long[] shape = new long[] { samples, frames }.Concat(spatial.Select(s => (long)s)).Append(channels).ToArray();
        torch.Tensor error = (torch.tensor(predicted, shape).to(torch.float64) - torch.tensor(truth, shape).to(torch.float64)).narrow(1, first, frames - first);
        int dims = spatial.Count;
        long points = spatial.Aggregate(1L, (a, b) => a * b);
        long[] spaceAxes = Enumerable.Range(2, dims).Select(i => (long)i).ToArray();

        // cRMSE: sqrt(mean over samples of (Σ_space error)²) / points, per (frame, channel).
        double conserved = error.sum(spaceAxes).square().mean(new long[] { 0 }).sqrt().div(points).mean().item<double>();

        double boundary;
        torch.Tensor spectrum;
        if (dims == 1)
        {
            long nx = spatial[0];
            torch.Tensor ends = error.select(2, 0).square() + error.select(2, nx - 1).square();
            boundary = ends.div(2).sqrt().mean().item<double>();
            // |rfft|² per wavenumber, averaged over samples: [frame, k, channel].
            torch.Tensor power = torch.fft.rfft(error, dim: 2).abs().square().mean(new long[] { 0 });
            spectrum = power.sqrt().div(nx).permute(0, 2, 1); // [frame, channel, k]
        }
        else
        {
            long nx = spatial[0], ny = spatial[1];
            torch.Tensor edges = error.select(2, 0).square().sum(new long[] { 2 }) + error.select(2, nx - 1).square().sum(new long[] { 2 })
                + error.select(3, 0).square().sum(new long[] { 2 }) + error.select(3, ny - 1).square().sum(new long[] { 2 });
            boundary = edges.div(2 * nx + 2 * ny).sqrt().mean().item<double>();
            torch.Tensor power = torch.fft.fftn(error, dim: new long[] { 2, 3 }).abs().square(); // [s, t, x, y, c]
            int bins = (int)(Math.Min(nx, ny) / 2);
            var binned = torch.zeros(new long[] { samples, frames - first, channels, bins }, torch.float64);
            for (int i = 0; i < nx / 2; i++)
            {
                for (int j = 0; j < ny / 2; j++)
                {
                    int r = (int)Math.Floor(Math.Sqrt((double)i * i + (double)j * j));
                    if (r < bins)
                    {
                        binned.select(3, r).add_(power.select(2, i).select(2, j));
                    }
                }
            }

            spectrum = binned.mean(new long[] { 0 }).sqrt().div(nx * ny); // [frame, channel, bin]
        }

        long k = spectrum.shape[^1];
        double Band(long from, long to) => from >= Math.Min(to, k) ? double.NaN : spectrum.narrow(-1, from, Math.Min(to, k) - from).mean().item<double>();
        return new PdeErrorSpectrum(conserved, boundary, Band(0, 4), Band(4, 12), Band(12, long.MaxValue));
    }
}
