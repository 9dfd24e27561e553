// Serving sample: a fine-tuned text model behind an ASP.NET Core minimal API, reloaded when its file is replaced.
//   dotnet run --project src/Samples/Serving -c Release -- demo-model model.zip [seed]
//       fine-tunes MiniLM briefly on 32 State of the Union passages and saves the pipeline (a model to serve)
//   dotnet run --project src/Samples/Serving -c Release -- serve model.zip [url, default http://127.0.0.1:5080]
//       curl -s localhost:5080/predict -H 'content-type: application/json' -d '{"text": "We will cut taxes."}'
//   dotnet run --project src/Samples/Serving -c Release -- loadtest model.zip other.zip [clients 8] [seconds 60]
//       serves model.zip on loopback, runs the clients for the given time and, halfway, replaces the served file with
//       other.zip; prints throughput, p50/p99 latency, errors and the model versions seen.
using System.Globalization;
using Microsoft.ML.TempBalance.Runtime;
using Microsoft.ML.TempBalance.Samples.Serving;

string command = args.Length > 0 ? args[0] : "";
switch (command)
{
    case "demo-model" when args.Length >= 2:
        TorchRuntime.SetThreadCount(2);
        DemoModel.Train(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1);
        return 0;
    case "serve" when args.Length >= 2:
        // One torch thread per request: concurrent requests use the cores.
        TorchRuntime.SetThreadCount(1);
        WebApplication app = ServingApp.Build(args[1], args.Length > 2 ? args[2] : "http://127.0.0.1:5080");
        await app.RunAsync();
        return 0;
    case "loadtest" when args.Length >= 3:
        TorchRuntime.SetThreadCount(1);
        return await LoadTest.RunAsync(args[1], args[2],
            args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 8,
            TimeSpan.FromSeconds(args.Length > 4 ? double.Parse(args[4], CultureInfo.InvariantCulture) : 60));
    default:
        Console.Error.WriteLine("usage: demo-model <out.zip> [seed] | serve <model.zip> [url] | loadtest <model.zip> <replacement.zip> [clients] [seconds]");
        return 2;
}
