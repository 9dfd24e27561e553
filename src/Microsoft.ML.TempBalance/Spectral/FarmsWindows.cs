using TorchSharp;

namespace Microsoft.ML.TempBalance.Spectral;

/// <summary>Cuts a Linear weight into the FARMS windows of spec 7.1, as a batch of equally shaped matrices.</summary>
internal static class FarmsWindows
{
    public static torch.Tensor Sample(torch.Tensor weight, FarmsOptions options)
    {
        long rows = weight.shape[0];
        long cols = weight.shape[1];
        long r = options.RowSamples;
        long c = (long)Math.Floor(options.RowSamples * options.AspectRatio);
        if (r < 1 || c < 1)
        {
            throw new ArgumentException($"FARMS windows must be at least 1 x 1 (RowSamples {options.RowSamples}, AspectRatio {options.AspectRatio}).");
        }

        (List<long> rowStarts, long height) = Starts(rows, r, options);
        (List<long> colStarts, long width) = Starts(cols, c, options);
        using var scope = torch.NewDisposeScope();
        var windows = new List<torch.Tensor>();
        foreach (long i in rowStarts)
        {
            foreach (long j in colStarts)
            {
                windows.Add(weight.narrow(0, i, height).narrow(1, j, width));
            }
        }

        return torch.stack(windows).MoveToOuterDisposeScope();
    }

    private static (List<long> Starts, long Size) Starts(long length, long window, FarmsOptions options)
    {
        // A dimension shorter than the window is used whole (the reference clamps the start to 0 the same way),
        // so the aspect ratio is no longer fixed for such matrices.
        if (length <= window)
        {
            return (new List<long> { 0 }, length);
        }

        var starts = new List<long>();
        if (options.WindowsPerDimension is int perDimension)
        {
            long step = Math.Max(1, (length - window) / Math.Max(1, perDimension - 1));
            long count = Math.Min(perDimension, Math.Max(1, (length - window) / step + 1));
            for (long k = 0; k < count; k++)
            {
                starts.Add(Math.Min(k * step, length - window));
            }
        }
        else
        {
            long step = Math.Max(1, options.StepSize);
            long count = Math.Max(1, (length - window) / step + 1);
            for (long k = 0; k < count; k++)
            {
                starts.Add(k * step);
            }
        }

        return (starts, window);
    }
}
