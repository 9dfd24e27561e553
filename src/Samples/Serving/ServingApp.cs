using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.Serving;

namespace Microsoft.ML.TempBalance.Samples.Serving;

/// <summary>
/// The web service: <c>POST /predict</c> with <c>{"text": "...", "text2": "..."}</c> (text2 only for sentence-pair
/// models) answers <c>{"label", "probabilities", "modelVersion"}</c>, or 400 with <c>{"error"}</c>; <c>GET /health</c>
/// reports the model version, when it was loaded and the last failed reload. The model file is watched and reloaded
/// when replaced.
/// </summary>
public static class ServingApp
{
    /// <summary>Builds the app for <paramref name="modelPath"/>, listening on <paramref name="url"/> (port 0: any free port).</summary>
    public static WebApplication Build(string modelPath, string url)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var pool = new TorchPredictionPool<TextRequestRow, TextPrediction>(new MLContext(seed: 0), modelPath);
        builder.Services.AddSingleton(pool);
        WebApplication app = builder.Build();
        app.Lifetime.ApplicationStopped.Register(pool.Dispose);

        app.MapPost("/predict", async (HttpRequest request) =>
        {
            PredictRequest? body;
            try
            {
                body = await request.ReadFromJsonAsync(ServingJson.Default.PredictRequest);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or BadHttpRequestException)
            {
                return Results.Json(new ErrorResponse($"The body must be JSON like {{\"text\": \"...\"}}: {e.Message}"), ServingJson.Default.ErrorResponse, statusCode: 400);
            }

            if (body?.Text is not { Length: > 0 } text)
            {
                return Results.Json(new ErrorResponse("\"text\" is required and must not be empty."), ServingJson.Default.ErrorResponse, statusCode: 400);
            }

            TextPrediction prediction = pool.Predict(new TextRequestRow { Sentence1 = text, Sentence2 = body.Text2 ?? "" }, out int version);
            // The labels come from the current model; across a reload that changed the classes they could be another
            // model's, so they are used only when they fit the scores.
            string[] labels = Labels(pool);
            if (labels.Length != prediction.Score.Length)
            {
                labels = Enumerable.Range(0, prediction.Score.Length).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            }

            var probabilities = labels.Select((label, i) => (label, i)).ToDictionary(p => p.label, p => prediction.Score[p.i]);
            return Results.Json(new PredictResponse(prediction.PredictedLabel, probabilities, version), ServingJson.Default.PredictResponse);
        });
        app.MapGet("/health", () => Results.Json(
            new HealthResponse("ok", pool.Version, pool.LoadedAt, pool.LastReloadError?.Message), ServingJson.Default.HealthResponse));
        return app;
    }

    // The Score column's slot names are the class labels (the text trainers write them).
    private static string[] Labels<TIn, TOut>(TorchPredictionPool<TIn, TOut> pool)
        where TIn : class
        where TOut : class, new()
    {
        VBuffer<ReadOnlyMemory<char>> names = default;
        pool.OutputSchema["Score"].GetSlotNames(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }
}
