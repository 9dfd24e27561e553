using System.Text.Json;
using System.Text.Json.Serialization;

namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>What one trial measured; one JSON file per trial.</summary>
public sealed record TrialResult
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
    };

    /// <summary>The trial's id.</summary>
    public required string Id { get; init; }

    /// <summary>The configuration.</summary>
    public required TrialConfiguration Configuration { get; init; }

    /// <summary>Training share.</summary>
    public required double Ratio { get; init; }

    /// <summary>Seed.</summary>
    public required int Seed { get; init; }

    /// <summary>Training samples used.</summary>
    public required int TrainSamples { get; init; }

    /// <summary>Validation metric per epoch.</summary>
    public required IReadOnlyList<double> ValidationPerEpoch { get; init; }

    /// <summary>0-based best epoch (by validation).</summary>
    public required int BestEpoch { get; init; }

    /// <summary>Validation metric at the best epoch.</summary>
    public required double Validation { get; init; }

    /// <summary>Test metric of the best epoch's weights (the reported number).</summary>
    public required double Test { get; init; }

    /// <summary>Metric name (e.g. nRMSE; lower is better).</summary>
    public required string Metric { get; init; }

    /// <summary>Per-layer alpha of the initial model.</summary>
    public required IReadOnlyDictionary<string, double> AlphaBefore { get; init; }

    /// <summary>Per-layer alpha of the trained model.</summary>
    public required IReadOnlyDictionary<string, double> AlphaAfter { get; init; }

    /// <summary>Std of alpha across layers before and after training.</summary>
    public required double AlphaStdBefore { get; init; }

    /// <summary>Std of alpha across layers of the trained model.</summary>
    public required double AlphaStdAfter { get; init; }

    /// <summary>(step, std of alpha) at each TempBalance analysis (empty without TempBalance).</summary>
    public required IReadOnlyList<double[]> AlphaStdOverTime { get; init; }

    /// <summary>(step, unit → learning-rate factor) at each TempBalance analysis.</summary>
    public required IReadOnlyList<FactorSnapshot> LearningRateFactors { get; init; }

    /// <summary>Wall time of the trial.</summary>
    public required double Seconds { get; init; }

    /// <summary>Serialises the result.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a result file; null when it is corrupt.</summary>
    public static TrialResult? TryRead(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<TrialResult>(File.ReadAllText(path), Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Learning-rate factors of the balanced units at one analysis step.</summary>
public sealed record FactorSnapshot(long Step, IReadOnlyDictionary<string, double> Factors);
