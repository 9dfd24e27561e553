using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML.TempBalance.IO;

namespace Microsoft.ML.TempBalance.Spectral;

/// <summary>
/// The immutable result of an analysis: one <see cref="LayerSpectrum"/> per layer (model order), the block
/// alphas and the model summary. Serialises to JSON (non-finite numbers as the strings "NaN", "Infinity") and
/// CSV (one row per layer).
/// </summary>
public sealed record SpectralReport
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>What was analysed (a path or a module name).</summary>
    public required string Source { get; init; }

    /// <summary>The analyzer settings used.</summary>
    public required SpectralAnalyzerOptions Options { get; init; }

    /// <summary>Model-level summary.</summary>
    public required SpectralSummary Summary { get; init; }

    /// <summary>Transformer blocks in model order (empty when the model has none).</summary>
    public required IReadOnlyList<BlockSpectrum> Blocks { get; init; }

    /// <summary>Layers in model order.</summary>
    public required IReadOnlyList<LayerSpectrum> Layers { get; init; }

    /// <summary>The layer of that name.</summary>
    /// <exception cref="KeyNotFoundException">No layer has that name.</exception>
    public LayerSpectrum this[string name] =>
        Layers.FirstOrDefault(l => l.Name == name) ?? throw new KeyNotFoundException($"The report has no layer named '{name}'.");

    internal static SpectralReport Create(string source, SpectralAnalyzerOptions options, IReadOnlyList<LayerSpectrum> layers)
    {
        var blocks = layers
            .Where(l => l.Block is not null && l.Eligible && l.Kind is LayerKind.Linear or LayerKind.LoraLinear)
            .GroupBy(l => l.Block!)
            .Select(g => new BlockSpectrum(g.Key, g.Average(l => l.Alpha), g.Count()))
            .ToList();
        var eligible = layers.Where(l => l.Eligible).Select(l => l.Alpha).ToList();
        (double mean, double std) = SpectralSummary.MeanStd(eligible);
        (double blockMean, double blockStd) = SpectralSummary.MeanStd(blocks.Select(b => b.Alpha).ToList());
        return new SpectralReport
        {
            Source = source,
            Options = options,
            Summary = new SpectralSummary(layers.Count, eligible.Count, mean, std, blockMean, blockStd),
            Blocks = blocks,
            Layers = layers,
        };
    }

    /// <summary>The report as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a report written by <see cref="ToJson"/> (eigenvalues are not stored, so plots need a fresh analysis).</summary>
    public static SpectralReport FromJson(string json) =>
        JsonSerializer.Deserialize<SpectralReport>(json, JsonOptions)
        ?? throw new InvalidDataException("The JSON holds no spectral report.");

    /// <summary>The per-layer table as CSV (invariant culture, header row first).</summary>
    public string ToCsv()
    {
        var csv = new StringBuilder();
        csv.AppendLine("name,kind,block,shape,eigenvalueCount,alpha,xmin,xminIndex,ksDistance,spectralNorm,stableRank,alphaWeighted,logNorm,frobeniusNormSquared,eligible,status");
        foreach (LayerSpectrum l in Layers)
        {
            csv.AppendJoin(',',
                Quote(l.Name), l.Kind, Quote(l.Block ?? string.Empty), Quote(string.Join('x', l.Shape)), l.EigenvalueCount,
                Number(l.Alpha), Number(l.Xmin), l.XminIndex, Number(l.KsDistance), Number(l.SpectralNorm), Number(l.StableRank),
                Number(l.AlphaWeighted), Number(l.LogNorm), Number(l.FrobeniusNormSquared), l.Eligible ? "true" : "false", l.Status);
            csv.AppendLine();
        }

        return csv.ToString();
    }

    /// <summary>Writes <c>report.json</c> and <c>layers.csv</c> into <paramref name="folder"/> (atomically each).</summary>
    /// <returns>The paths written.</returns>
    public IReadOnlyList<string> WriteFiles(string folder)
    {
        string json = Path.Combine(folder, "report.json");
        string csv = Path.Combine(folder, "layers.csv");
        AtomicFile.Write(json, s => s.Write(Encoding.UTF8.GetBytes(ToJson())));
        AtomicFile.Write(csv, s => s.Write(Encoding.UTF8.GetBytes(ToCsv())));
        return new[] { json, csv };
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Quote(string value) =>
        value.IndexOfAny(new[] { ',', '"', '\n' }) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
