// Benchmarks. Usage: dotnet run -c Release --project src/Benchmarks -- spectral [repetitions]
//                    dotnet run -c Release --project src/Benchmarks -- balance-overhead [epochs]
//                    dotnet run -c Release --project src/Benchmarks -- text-throughput [steps] [roberta-base|minilm]
//                    dotnet run -c Release --project src/Benchmarks -- pde [epochs]
//                    dotnet run -c Release --project src/Benchmarks -- scalar-race [seconds] [on|off]
//                    dotnet run -c Release --project src/Benchmarks -- soak [seconds] [threads] [pde|text|both]
// Results and machines are recorded in docs/benchmarks.md.
using System.Globalization;
using TempBalance.Benchmarks;

string mode = args.Length > 0 ? args[0] : "spectral";
int Count(int fallback) => args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : fallback;
switch (mode)
{
    case "spectral":
        SpectralBenchmark.Run(Count(3));
        break;
    case "balance-overhead":
        BalanceOverheadBenchmark.Run(Count(10));
        break;
    case "text-throughput":
        TextThroughputBenchmark.Run(Count(3), args.Length > 2 ? args[2] : "roberta-base");
        break;
    case "pde":
        FnoThroughputBenchmark.Run(Count(3));
        break;
    case "scalar-race":
        ScalarRaceProbe.Run(Count(30), args.Length < 3 || args[2] != "off");
        break;
    case "soak":
    {
        var duration = TimeSpan.FromSeconds(Count(60));
        int threads = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 4;
        Microsoft.ML.TempBalance.Runtime.TorchRuntime.SetThreadCount(1);
        Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {Environment.OSVersion}, .NET {Environment.Version}; torch threads 1 per scoring call");
        string kinds = args.Length > 3 ? args[3] : "both";
        int failures = 0;
        if (kinds is "pde" or "both")
        {
            ScoringSoak.Outcome pde = SoakModels.Pde("FNO2d, Darcy 32x32", threads, duration);
            Console.WriteLine(pde);
            failures += pde.Failures;
        }

        if (kinds is "text" or "both")
        {
            ScoringSoak.Outcome text = SoakModels.Text("MiniLM classifier", Microsoft.ML.TempBalance.Samples.MiniLm.Checkpoint(Console.WriteLine), threads, duration);
            Console.WriteLine(text);
            failures += text.Failures;
        }

        return failures == 0 ? 0 : 1;
    }

    default:
        Console.Error.WriteLine($"Unknown benchmark '{mode}'; expected spectral, balance-overhead, text-throughput, pde, scalar-race or soak.");
        return 2;
}

return 0;
