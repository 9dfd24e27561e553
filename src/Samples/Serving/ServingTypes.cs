using System.Text.Json.Serialization;

namespace Microsoft.ML.TempBalance.Samples.Serving;

/// <summary>A request: the text (and the second text of a sentence pair).</summary>
public sealed record PredictRequest(string? Text, string? Text2);

/// <summary>A prediction: the label, a probability per label and the version of the model that made it.</summary>
public sealed record PredictResponse(string Label, Dictionary<string, float> Probabilities, int ModelVersion);

/// <summary>A 400 answer.</summary>
public sealed record ErrorResponse(string Error);

/// <summary>The health answer.</summary>
public sealed record HealthResponse(string Status, int ModelVersion, DateTimeOffset LoadedAt, string? LastReloadError);

/// <summary>The model's input row.</summary>
public sealed class TextRequestRow
{
    /// <summary>Unused when scoring, but a pipeline that maps labels to keys reads the column, as in any ML.NET model.</summary>
    public string Label { get; set; } = "";

    public string Sentence1 { get; set; } = "";

    public string Sentence2 { get; set; } = "";
}

/// <summary>The model's output row.</summary>
public sealed class TextPrediction
{
    public float[] Score { get; set; } = Array.Empty<float>();

    public string PredictedLabel { get; set; } = "";
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PredictRequest))]
[JsonSerializable(typeof(PredictResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(HealthResponse))]
internal sealed partial class ServingJson : JsonSerializerContext;
