// Benchmarks. Usage: dotnet run -c Release --project src/Benchmarks -- spectral [repetitions]
//                    dotnet run -c Release --project src/Benchmarks -- balance-overhead [epochs]
//                    dotnet run -c Release --project src/Benchmarks -- text-throughput [steps] [roberta-base|minilm]
//                    dotnet run -c Release --project src/Benchmarks -- pde [epochs]
//                    dotnet run -c Release --project src/Benchmarks -- scalar-race [seconds] [on|off]
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
    default:
        Console.Error.WriteLine($"Unknown benchmark '{mode}'; expected spectral, balance-overhead, text-throughput, pde or scalar-race.");
        return 2;
}

return 0;
