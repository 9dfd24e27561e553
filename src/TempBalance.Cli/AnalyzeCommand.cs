using System.CommandLine;
using CliCommand = System.CommandLine.Command;
using System.Globalization;
using Microsoft.ML.TempBalance.Plots;
using Microsoft.ML.TempBalance.Runtime;
using Microsoft.ML.TempBalance.Spectral;

namespace Microsoft.ML.TempBalance.Cli;

/// <summary><c>tempbalance analyze &lt;path&gt;</c>: the ESD metrics of every layer of a checkpoint.</summary>
internal static class AnalyzeCommand
{
    public static CliCommand Create(TextWriter output, TextWriter error)
    {
        var path = new Argument<string>("path") { Description = "A .safetensors file or a Hugging Face checkpoint folder (config.json + model.safetensors)." };
        var xmin = new Option<XminStrategy>("--xmin") { Description = "How xmin is chosen: median (default), scan (KS minimisation) or peak.", DefaultValueFactory = _ => XminStrategy.Median };
        var xminPosition = new Option<double>("--xmin-position")
        {
            Description = "Median strategy: xmin index = floor(N / position). 2.0 for CNN/SciML, 1.5 for transformer text models.",
            DefaultValueFactory = _ => 2.0,
            CustomParser = result =>
            {
                string token = result.Tokens[0].Value;
                if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= 1 && double.IsFinite(value))
                {
                    return value;
                }

                result.AddError($"--xmin-position must be a number of at least 1 (got '{token}').");
                return default;
            },
        };
        var blocks = new Option<bool>("--blocks") { Description = "Also print the per-block alphas (transformer encoder layers)." };
        var farms = new Option<bool>("--farms") { Description = "FARMS: pool the ESD of 100 x 100 windows (9 per dimension) for Linear layers." };
        var filterZeros = new Option<bool>("--filter-zeros") { Description = "Drop eigenvalues at or below 1e-5 before fitting." };
        var minEigenvalues = new Option<int>("--min-eigenvalues") { Description = "Layers with fewer eigenvalues are not eligible for balancing.", DefaultValueFactory = _ => 50 };
        var embeddings = new Option<bool>("--include-embeddings") { Description = "Also analyse embedding tables." };
        var format = new Option<string>("--format") { Description = "Output to stdout: table, json or csv.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json", "csv");
        var outFolder = new Option<string?>("--out") { Description = "Write report.json, layers.csv and PNG/SVG plots into this folder." };
        var esdLayers = new Option<string[]>("--esd-layer") { Description = "Layer(s) whose ESD is plotted with --out (default: the first eligible layer).", AllowMultipleArgumentsPerToken = false };
        var threads = new Option<int>("--threads") { Description = "Torch threads.", DefaultValueFactory = _ => Environment.ProcessorCount };

        var command = new CliCommand("analyze", "Per-layer ESD metrics (PL_Alpha_Hill, KS distance, spectral norm, stable rank, ...) of a checkpoint.")
        {
            path, xmin, xminPosition, blocks, farms, filterZeros, minEigenvalues, embeddings, format, outFolder, esdLayers, threads,
        };
        command.SetAction(parsed =>
        {
            try
            {
                TorchRuntime.SetThreadCount(Math.Max(1, parsed.GetValue(threads)));
                var options = new SpectralAnalyzerOptions
                {
                    Xmin = parsed.GetValue(xmin),
                    XminPosition = parsed.GetValue(xminPosition),
                    FilterZeros = parsed.GetValue(filterZeros),
                    MinEigenvalues = parsed.GetValue(minEigenvalues),
                    IncludeEmbeddings = parsed.GetValue(embeddings),
                    Farms = parsed.GetValue(farms) ? new FarmsOptions() : null,
                };
                SpectralReport report = new SpectralAnalyzer(options).AnalyzeFile(parsed.GetValue(path)!);
                switch (parsed.GetValue(format))
                {
                    case "json":
                        output.WriteLine(report.ToJson());
                        break;
                    case "csv":
                        output.Write(report.ToCsv());
                        break;
                    default:
                        ReportTable.Write(report, output, parsed.GetValue(blocks));
                        break;
                }

                string? folder = parsed.GetValue(outFolder);
                if (folder is not null)
                {
                    var written = new List<string>(report.WriteFiles(folder));
                    string[] chosen = parsed.GetValue(esdLayers) is { Length: > 0 } named
                        ? named
                        : report.Layers.Where(l => l.Eligible).Take(1).Select(l => l.Name).ToArray();
                    written.AddRange(SpectralPlots.Write(report, folder, chosen));
                    error.WriteLine($"wrote {string.Join(", ", written.Select(Path.GetFileName))} to {folder}");
                }

                return 0;
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidDataException or KeyNotFoundException or ArgumentException)
            {
                error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
