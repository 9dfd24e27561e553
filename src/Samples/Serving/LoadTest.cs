using System.Diagnostics;
using System.Net.Http.Json;
using static System.FormattableString;

namespace Microsoft.ML.TempBalance.Samples.Serving;

/// <summary>
/// A bounded load test on loopback: the service on a free port, <c>clients</c> concurrent HTTP clients posting State of
/// the Union passages for the given time, and halfway the served file replaced atomically (temporary file, rename)
/// by another model. Every non-200 answer or transport failure counts as an error.
/// </summary>
public static class LoadTest
{
    public static async Task<int> RunAsync(string model, string replacement, int clients, TimeSpan duration)
    {
        string folder = Directory.CreateTempSubdirectory("tempbalance-serving-").FullName;
        string served = Path.Combine(folder, "model.zip");
        File.Copy(model, served);
        string[] texts = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Data", "sotu-party-test.tsv")).Skip(1).Select(l => l.Split('\t')[2]).ToArray();
        await using WebApplication app = ServingApp.Build(served, "http://127.0.0.1:0");
        await app.StartAsync();
        string url = app.Urls.First();
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {Environment.OSVersion}, .NET {Environment.Version}; serving {url}, 1 torch thread per request");

        var latencies = new List<double>[clients];
        var versions = new HashSet<int>();
        int errors = 0;
        string? firstError = null;
        var clock = Stopwatch.StartNew();
        Task replace = Task.Run(async () =>
        {
            await Task.Delay(duration / 2);
            string temporary = served + ".tmp";
            File.Copy(replacement, temporary, overwrite: true);
            File.Move(temporary, served, overwrite: true);
            Console.WriteLine(Invariant($"{clock.Elapsed.TotalSeconds:F1} s: replaced the served model"));
        });
        Task[] workers = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            latencies[c] = new List<double>();
            var random = new Random(c);
            while (clock.Elapsed < duration)
            {
                var request = Stopwatch.StartNew();
                try
                {
                    using HttpResponseMessage response = await http.PostAsJsonAsync("/predict", new PredictRequest(texts[random.Next(texts.Length)], null), ServingJson.Default.PredictRequest);
                    if (!response.IsSuccessStatusCode)
                    {
                        throw new HttpRequestException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                    }

                    PredictResponse? answer = await response.Content.ReadFromJsonAsync(ServingJson.Default.PredictResponse);
                    lock (versions)
                    {
                        versions.Add(answer!.ModelVersion);
                    }

                    latencies[c].Add(request.Elapsed.TotalMilliseconds);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
                {
                    if (Interlocked.Increment(ref errors) == 1)
                    {
                        firstError = e.Message;
                    }
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        await replace;
        double seconds = clock.Elapsed.TotalSeconds;
        HealthResponse? health = await http.GetFromJsonAsync("/health", ServingJson.Default.HealthResponse);
        await app.StopAsync();
        Directory.Delete(folder, recursive: true);

        double[] all = latencies.SelectMany(l => l).Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)Math.Ceiling(p * all.Length) - 1)];
        Console.WriteLine(Invariant($"{clients} clients, {seconds:F1} s: {all.Length} requests = {all.Length / seconds:F2} requests/s; latency p50 {Percentile(0.5):F0} ms, p99 {Percentile(0.99):F0} ms; {errors} error(s){(firstError is null ? "" : " (first: " + firstError + ")")}"));
        Console.WriteLine($"model versions seen: {string.Join(", ", versions.Order())}; at the end the service reports version {health?.ModelVersion}, last reload error: {health?.LastReloadError ?? "none"}");
        return errors == 0 && health?.ModelVersion == 2 ? 0 : 1;
    }
}
