using Microsoft.ML.TempBalance.Checkpoints;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Spectral;

/// <summary>
/// Computes per-layer ESD metrics (PL_Alpha_Hill, KS distance, spectral norm, stable rank, ...) of a TorchSharp
/// module, a set of named tensors, a safetensors file or a Hugging Face checkpoint folder, and summarises
/// them per transformer block and per model.
/// </summary>
/// <example>
/// <code>
/// var report = new SpectralAnalyzer(new SpectralAnalyzerOptions { XminPosition = 1.5 }).Analyze(model);
/// Console.WriteLine($"alpha std across layers: {report.Summary.AlphaStd:F3}");
/// </code>
/// </example>
public sealed class SpectralAnalyzer
{
    /// <summary>Creates an analyzer.</summary>
    public SpectralAnalyzer(SpectralAnalyzerOptions? options = null)
    {
        Options = options ?? new SpectralAnalyzerOptions();
        Options.Validate();
    }

    /// <summary>The settings in use.</summary>
    public SpectralAnalyzerOptions Options { get; }

    /// <summary>Analyses every Linear, convolution (and on request embedding, Fourier) layer of a module.</summary>
    public SpectralReport Analyze(torch.nn.Module module, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        using (torch.no_grad())
        {
            return AnalyzeLayers(LayerCollector.FromModule(module, Options), source ?? module.GetName());
        }
    }

    /// <summary>Analyses named tensors (a state dict or checkpoint), using the rules of <see cref="LayerNaming"/>.</summary>
    public SpectralReport Analyze(IReadOnlyDictionary<string, torch.Tensor> tensors, string source)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        using (torch.no_grad())
        {
            return AnalyzeLayers(LayerCollector.FromTensors(tensors, Options), source);
        }
    }

    /// <summary>
    /// Analyses a <c>.safetensors</c> file or a Hugging Face checkpoint folder (<c>config.json</c> with
    /// <c>model.safetensors</c>, or a sharded <c>model.safetensors.index.json</c>). Only weight tensors are read.
    /// </summary>
    /// <exception cref="FileNotFoundException">The path does not exist.</exception>
    /// <exception cref="InvalidDataException">The path is not a model this analyzer reads (the message says what was expected).</exception>
    public SpectralReport AnalyzeFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        IReadOnlyList<string> files = CheckpointFiles.Resolve(path);
        var tensors = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (string file in files)
            {
                using SafetensorsReader reader = SafetensorsReader.Open(file);
                foreach (SafetensorsTensorInfo info in reader.Tensors)
                {
                    if (LayerCollector.IsCandidateTensor(info.Name, info.Shape))
                    {
                        tensors[info.Name] = reader.ReadTensor(info.Name);
                    }
                }
            }

            return Analyze(tensors, path);
        }
        finally
        {
            foreach (torch.Tensor tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
    }

    internal SpectralReport AnalyzeLayers(IReadOnlyList<LayerWeight> layers, string source)
    {
        using var scope = torch.NewDisposeScope();
        var spectra = new LayerSpectrum?[layers.Count];
        var matrices = new List<torch.Tensor>();
        var owners = new List<int>();
        for (int i = 0; i < layers.Count; i++)
        {
            torch.Tensor batch = ToMatrices(layers[i]);
            string? problem = NonFiniteProblem(batch);
            if (problem is not null)
            {
                spectra[i] = Describe(layers[i]) with { Status = LayerStatus.NonFiniteWeights, Message = problem };
                continue;
            }

            matrices.Add(batch);
            owners.Add(i);
        }

        int threads = Options.Threads > 0 ? Options.Threads : torch.get_num_threads();
        double[]?[] eigenvalues = EsdEngine.Compute(matrices, Options.UseFloat64, threads);
        for (int k = 0; k < owners.Count; k++)
        {
            spectra[owners[k]] = eigenvalues[k] is { } values
                ? Measure(layers[owners[k]], values)
                : Describe(layers[owners[k]]) with
                {
                    Status = LayerStatus.EigensolverFailed,
                    Message = Options.UseFloat64
                        ? "the eigensolver did not converge in float64 (ill-conditioned weights, e.g. entries of extreme magnitude)"
                        : "the eigensolver did not converge, in float32 nor in float64 (ill-conditioned weights, e.g. entries of extreme magnitude)",
                };
        }

        return SpectralReport.Create(source, Options, spectra.Select(s => s!).ToList());
    }

    private torch.Tensor ToMatrices(LayerWeight layer)
    {
        torch.Tensor weight = layer.Weight.detach();
        return layer.Kind switch
        {
            LayerKind.Linear when Options.Farms is not null => FarmsWindows.Sample(AtLeastFloat32(weight), Options.Farms),
            LayerKind.Linear or LayerKind.Embedding => WeightMatrices.Linear(weight),
            LayerKind.LoraLinear => LoraMatrices(layer),
            LayerKind.Conv1d or LayerKind.Conv2d or LayerKind.ConvTranspose => WeightMatrices.Convolution(weight),
            LayerKind.FourierSpectral => layer.SpectralParts is { Count: > 1 } parts
                ? torch.cat(parts.Select(p => WeightMatrices.Fourier(p.detach())).ToArray(), 0)
                : WeightMatrices.Fourier(weight),
            _ => throw new InvalidOperationException($"Unhandled layer kind {layer.Kind}."),
        };
    }

    private torch.Tensor LoraMatrices(LayerWeight layer)
    {
        torch.Tensor merged = WeightMatrices.LoraMerged(AtLeastFloat32(layer.Weight.detach()), layer.LoraA!.detach(), layer.LoraB!.detach(), Options.LoraScale ?? 1.0);
        return Options.Farms is null ? merged : FarmsWindows.Sample(merged[0], Options.Farms);
    }

    // Half-precision weights are lifted before products and slicing; float64 weights stay float64 (the engine
    // picks the compute precision).
    private static torch.Tensor AtLeastFloat32(torch.Tensor weight) =>
        weight.dtype == torch.float64 ? weight : weight.to(torch.float32);

    private static string? NonFiniteProblem(torch.Tensor matrices)
    {
        // A finite sum proves every entry finite (NaN and ±inf propagate through a sum) in one reduction, without
        // the full-size mask isfinite allocates; the exact check runs only when the sum is not finite, which huge
        // but finite weights can also cause.
        using torch.Tensor sum = matrices.sum();
        if (AllFinite(sum) || AllFinite(matrices))
        {
            return null;
        }

        using torch.Tensor nan = torch.isnan(matrices).sum();
        using torch.Tensor inf = torch.isinf(matrices).sum();
        return $"the weight holds {nan.item<long>()} NaN and {inf.item<long>()} infinite values; no spectrum was computed";
    }

    private static bool AllFinite(torch.Tensor values)
    {
        using torch.Tensor finite = torch.isfinite(values).all();
        return finite.item<bool>();
    }

    private static LayerSpectrum Describe(LayerWeight layer) => new()
    {
        Name = layer.Name,
        Kind = layer.Kind,
        Shape = layer.Weight.shape.ToArray(),
        Block = layer.Block,
    };

    private LayerSpectrum Measure(LayerWeight layer, double[] all)
    {
        if (layer.Kind is LayerKind.Conv1d or LayerKind.Conv2d or LayerKind.ConvTranspose)
        {
            for (int i = 0; i < all.Length; i++)
            {
                all[i] *= Options.ConvNormalization;
            }
        }

        double[] eigenvalues = all;
        if (Options.FilterZeros)
        {
            double[] kept = all.Where(v => v > Options.ZeroThreshold).ToArray();
            eigenvalues = kept.Length > 0 ? kept : all;
        }

        PowerLawFit fit = HillEstimator.Fit(eigenvalues, Options.Xmin, Options.XminPosition);
        double max = eigenvalues.Length > 0 ? eigenvalues[^1] : double.NaN;
        double sum = eigenvalues.Sum();
        bool enough = eigenvalues.Length >= Options.MinEigenvalues;
        bool finite = double.IsFinite(fit.Alpha);
        LayerStatus status = !finite ? LayerStatus.NonFiniteAlpha : !enough ? LayerStatus.TooFewEigenvalues : LayerStatus.Ok;
        string? message = status switch
        {
            LayerStatus.NonFiniteAlpha => double.IsNaN(fit.Alpha)
                ? "alpha is undefined (NaN): xmin is zero or no tail could be fitted (all-zero or rank-deficient matrix?)"
                : "alpha is +inf: the tail is flat (all tail eigenvalues equal)",
            LayerStatus.TooFewEigenvalues => $"{eigenvalues.Length} eigenvalues, fewer than MinEigenvalues = {Options.MinEigenvalues}",
            _ => null,
        };

        return Describe(layer) with
        {
            EigenvalueCount = eigenvalues.Length,
            Alpha = fit.Alpha,
            Xmin = fit.Xmin,
            XminIndex = fit.XminIndex,
            KsDistance = fit.KsDistance,
            SpectralNorm = max,
            StableRank = sum / max,
            AlphaWeighted = fit.Alpha * Math.Log10(max),
            LogNorm = Math.Log10(sum),
            FrobeniusNormSquared = sum,
            Eligible = status == LayerStatus.Ok,
            Status = status,
            Message = message,
            Eigenvalues = eigenvalues,
        };
    }
}
