using Microsoft.ML.TempBalance.Checkpoints;
using TorchSharp;
using Microsoft.ML.TempBalance.Runtime;

namespace Microsoft.ML.TempBalance.SciML.Training;

/// <summary>
/// Pointwise Gaussian scaling of frames (<see cref="PdeNormalization.PointwiseGaussian"/>): statistics of shape
/// [space..., 1, channel], broadcast over the batch and the frames of a window [batch, space..., frames, channel].
/// </summary>
internal sealed class FieldNormalizer : IDisposable
{
    private const string Prefix = "normalizer.";
    private static readonly string[] Names = { "input_mean", "input_std", "output_mean", "output_std" };

    // A grid point where a field never varies (Darcy's u on the Dirichlet boundary) would divide by zero; flooring the
    // spread at a small fraction of its channel's average keeps encoding finite and makes decoding pin that point to its
    // mean. Per channel, because channels differ in scale (1D CFD: density, pressure, velocity).
    private const double SpreadFloor = 1e-3;

    private FieldNormalizer(torch.Tensor inputMean, torch.Tensor inputStd, torch.Tensor outputMean, torch.Tensor outputStd)
    {
        InputMean = inputMean;
        InputStd = inputStd;
        OutputMean = outputMean;
        OutputStd = outputStd;
    }

    public torch.Tensor InputMean { get; }

    public torch.Tensor InputStd { get; }

    public torch.Tensor OutputMean { get; }

    public torch.Tensor OutputStd { get; }

    /// <summary>True when <paramref name="name"/> is one of the tensors <see cref="Tensors"/> writes.</summary>
    public static bool Owns(string name) => name.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>
    /// Statistics of training trajectories [sample, space..., time, channel]: frame 0 and the last frame for single
    /// step, all frames for a rollout.
    /// </summary>
    public static FieldNormalizer Fit(torch.Tensor trajectories, bool singleStep)
    {
        long frames = trajectories.shape[^2];
        if (trajectories.shape[0] < 2)
        {
            throw new ArgumentException("Pointwise normalisation needs at least 2 training samples to estimate a spread.", nameof(trajectories));
        }

        if (!singleStep)
        {
            (torch.Tensor mean, torch.Tensor std) = Moments(trajectories);
            return new FieldNormalizer(mean, std, mean.clone().DetachFromDisposeScope(), std.clone().DetachFromDisposeScope());
        }

        (torch.Tensor inMean, torch.Tensor inStd) = Moments(trajectories.narrow(-2, 0, 1));
        (torch.Tensor outMean, torch.Tensor outStd) = Moments(trajectories.narrow(-2, frames - 1, 1));
        return new FieldNormalizer(inMean, inStd, outMean, outStd);
    }

    /// <summary>Reads the statistics <see cref="Tensors"/> wrote, or null when <paramref name="path"/> has none.</summary>
    /// <exception cref="InvalidDataException">Only some of the statistics are in the file (named).</exception>
    public static FieldNormalizer? Read(string path)
    {
        using SafetensorsReader reader = SafetensorsReader.Open(path);
        string[] present = Names.Where(n => reader.Contains(Prefix + n)).ToArray();
        if (present.Length == 0)
        {
            return null;
        }

        if (present.Length != Names.Length)
        {
            throw new InvalidDataException($"'{path}' holds only some normalisation statistics ({string.Join(", ", present.Select(n => Prefix + n))}); expected all of {string.Join(", ", Names.Select(n => Prefix + n))}.");
        }

        torch.Tensor[] loaded = Names.Select(n => reader.ReadTensor(Prefix + n).DetachFromDisposeScope()).ToArray();
        return new FieldNormalizer(loaded[0], loaded[1], loaded[2], loaded[3]);
    }

    /// <summary>The statistics under the names saved next to the weights.</summary>
    public IReadOnlyDictionary<string, torch.Tensor> Tensors => new Dictionary<string, torch.Tensor>
    {
        [Prefix + Names[0]] = InputMean,
        [Prefix + Names[1]] = InputStd,
        [Prefix + Names[2]] = OutputMean,
        [Prefix + Names[3]] = OutputStd,
    };

    /// <summary>(window − mean) / std for input windows [batch, space..., frames, channel].</summary>
    public torch.Tensor Encode(torch.Tensor window) => (window - InputMean) / InputStd;

    /// <summary>output · std + mean for network outputs [batch, space..., 1, channel].</summary>
    public torch.Tensor Decode(torch.Tensor output) => (output * OutputStd).add(OutputMean, StableScalars.One);

    public void Dispose()
    {
        InputMean.Dispose();
        InputStd.Dispose();
        OutputMean.Dispose();
        OutputStd.Dispose();
    }

    // Mean and (population) spread over samples and frames, per grid point and channel: [space..., 1, channel].
    private static (torch.Tensor Mean, torch.Tensor Std) Moments(torch.Tensor trajectories)
    {
        using var scope = torch.NewDisposeScope();
        long dims = trajectories.dim() - 3;
        torch.Tensor frameFirst = trajectories.movedim(new long[] { -2 }, new long[] { 1 });
        torch.Tensor flat = frameFirst.reshape(new[] { -1L }.Concat(frameFirst.shape[2..]).ToArray()).to(torch.float64);
        torch.Tensor mean = flat.mean(new long[] { 0 });
        torch.Tensor std = flat.std(new long[] { 0 }, unbiased: false);
        long[] space = Enumerable.Range(0, (int)dims).Select(i => (long)i).ToArray();
        std = torch.maximum(std, std.mean(space, keepdim: true) * SpreadFloor);
        if (!torch.isfinite(mean).all().item<bool>() || !(std > 0).all().item<bool>())
        {
            throw new ArgumentException("The training fields are not finite or are constant everywhere; pointwise normalisation cannot be fitted.", nameof(trajectories));
        }

        var shape = mean.shape.Take((int)dims).Append(1L).Append(mean.shape[^1]).ToArray();
        return (mean.reshape(shape).to(torch.float32).MoveToOuterDisposeScope(), std.reshape(shape).to(torch.float32).MoveToOuterDisposeScope());
    }
}
