using System.Globalization;
using System.Text;
using Microsoft.ML.TempBalance.IO;
using static System.FormattableString;

namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>
/// The Markdown report of a results folder: per ratio and method, the configuration chosen by the paper's protocol
/// (lowest mean validation metric over seeds), its test metric as mean ± std over seeds, TempBalance's relative
/// improvement over the matching FT method, a one-sided Welch t-test and a paired t-test by seed; plus plots of the
/// metric and of the alpha spread (across layers, and across blocks for models with blocks) against the ratio, per-layer alpha at the lowest ratio and the learning-rate
/// factors over training. Deterministic: the same results give the same report.
/// </summary>
public static class ExperimentReport
{
    /// <summary>Writes <c>report.md</c> and the plots; returns the written files.</summary>
    public static IReadOnlyList<string> Write(string resultsFolder, string reportFolder)
    {
        string specPath = Path.Combine(resultsFolder, "spec.json");
        if (!File.Exists(specPath))
        {
            throw new FileNotFoundException($"'{resultsFolder}' is not a results folder: it has no spec.json.", specPath);
        }

        ExperimentSpec spec = ExperimentSpec.FromJson(File.ReadAllText(specPath));
        var corrupt = new List<string>();
        var results = new List<TrialResult>();
        foreach (string file in Directory.GetFiles(Path.Combine(resultsFolder, "trials"), "*.json").Order(StringComparer.Ordinal))
        {
            if (TrialResult.TryRead(file) is { } result)
            {
                results.Add(result);
            }
            else
            {
                corrupt.Add(Path.GetFileName(file));
            }
        }

        IReadOnlyList<Trial> expected = Trial.All(spec);
        var ids = results.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        int missing = expected.Count(t => !ids.Contains(t.Id));
        List<Selection> selections = Select(results);
        List<string> incomplete = IncompleteCells(expected, ids);

        Directory.CreateDirectory(reportFolder);
        var files = new List<string>();
        files.AddRange(ExperimentPlots.MetricVsRatio(selections, reportFolder, spec.Task.MetricName));
        double layerBefore = results.Select(r => r.AlphaStdBefore).DefaultIfEmpty(double.NaN).Average();
        double blockBefore = results.Select(r => BlockSpread.Of(r.AlphaBefore)).DefaultIfEmpty(double.NaN).Average();
        files.AddRange(ExperimentPlots.AlphaStdVsRatio(selections, reportFolder, blocks: false, layerBefore));
        if (!double.IsNaN(blockBefore))
        {
            files.AddRange(ExperimentPlots.AlphaStdVsRatio(selections, reportFolder, blocks: true, blockBefore));
        }

        files.AddRange(ExperimentPlots.AlphaPerLayer(selections, reportFolder));
        files.AddRange(ExperimentPlots.LearningRateFactors(selections, reportFolder));
        string report = Markdown(spec, selections, results.Count, expected.Count, missing, corrupt, incomplete, (layerBefore, blockBefore), files.Where(f => f.EndsWith(".png", StringComparison.Ordinal)).ToList());
        string path = Path.Combine(reportFolder, "report.md");
        AtomicFile.Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(report)));
        files.Insert(0, path);
        // Wall time varies from run to run and machine to machine, so it has its own file: report.md of a merged
        // sharded run stays identical to a single-process one.
        string timing = Path.Combine(reportFolder, WallTimeFile);
        AtomicFile.Write(timing, stream => stream.Write(Encoding.UTF8.GetBytes(WallTime(spec, selections))));
        files.Insert(1, timing);
        return files;
    }

    private const string WallTimeFile = "wall-time.md";

    private static string WallTime(ExperimentSpec spec, List<Selection> selections)
    {
        var md = new StringBuilder();
        md.AppendLine(Invariant($"# Wall time per trial: {spec.Name}"));
        md.AppendLine();
        md.AppendLine("Seconds per trial of each chosen configuration (training with validation each epoch, the before/after analyses and the test), mean ± std over seeds, on the machine each trial ran on. Trials of a sharded run may have run on different machines.");
        md.AppendLine();
        md.AppendLine("| ratio | method | chosen configuration | seeds | seconds per trial (mean ± std) | relative to FT |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (Selection s in selections)
        {
            (double mean, double std) = Statistics.MeanStd(s.Results.Select(r => r.Seconds).ToList());
            double ft = selections.Where(f => f.Ratio == s.Ratio && f.Method == s.Configuration.FineTuningMethod)
                .Select(f => f.Results.Average(r => r.Seconds)).DefaultIfEmpty(double.NaN).First();
            md.AppendLine(Invariant($"| {s.Ratio:G4} | {s.Method} | {s.Configuration.Key} | {s.Results.Count} | {mean:F1} ± {(double.IsNaN(std) ? "n/a" : std.ToString("F1", CultureInfo.InvariantCulture))} | {(double.IsNaN(ft) ? "n/a" : (mean / ft).ToString("F2", CultureInfo.InvariantCulture) + "x")} |"));
        }

        return md.ToString();
    }

    /// <summary>The chosen configuration of one method at one ratio, with its per-seed results.</summary>
    internal sealed record Selection(double Ratio, string Method, TrialConfiguration Configuration, IReadOnlyList<TrialResult> Results, double ValidationMean)
    {
        public (double Mean, double Std) Test => Statistics.MeanStd(Results.Select(r => r.Test).ToList());
    }

    internal static List<Selection> Select(IReadOnlyList<TrialResult> results)
    {
        var selections = new List<Selection>();
        foreach (var byRatio in results.GroupBy(r => r.Ratio).OrderBy(g => g.Key))
        {
            foreach (var byMethod in byRatio.GroupBy(r => r.Configuration.Method).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                Selection? best = null;
                foreach (var byConfig in byMethod.GroupBy(r => r.Configuration.Key).OrderBy(g => g.Key, StringComparer.Ordinal))
                {
                    var seeds = byConfig.OrderBy(r => r.Seed).ToList();
                    double validation = seeds.Average(r => r.Validation);
                    if (best is null || validation < best.ValidationMean)
                    {
                        best = new Selection(byRatio.Key, byMethod.Key, seeds[0].Configuration, seeds, validation);
                    }
                }

                selections.Add(best!);
            }
        }

        return selections;
    }

    // A selection made over part of a cell's grid or seeds is provisional: the missing trials can change the choice.
    private static List<string> IncompleteCells(IReadOnlyList<Trial> expected, HashSet<string> found) =>
        expected.GroupBy(t => (t.Ratio, t.Configuration.Method))
            .Select(cell => (cell.Key, Found: cell.Count(t => found.Contains(t.Id)), Expected: cell.Count()))
            .Where(cell => cell.Found < cell.Expected)
            .OrderBy(cell => cell.Key.Ratio).ThenBy(cell => cell.Key.Method, StringComparer.Ordinal)
            .Select(cell => Invariant($"ratio {cell.Key.Ratio:G4} {cell.Key.Method}: {cell.Found} of {cell.Expected} trials"))
            .ToList();

    // With perRatio the searched rates and batch sizes differ by ratio, and a reader must see which were searched where.
    private static string GridSize(ExperimentSpec spec)
    {
        if (spec.PerRatio.Count == 0)
        {
            return Invariant($"{spec.Grid.Configurations().Count} configurations");
        }

        return string.Join("; ", spec.Ratios.Select(r =>
        {
            ExperimentGrid grid = spec.GridFor(r);
            return Invariant($"ratio {r:G4}: {grid.Configurations().Count} configurations (learning rates {string.Join(", ", grid.LearningRate.Select(v => v.ToString("G4", CultureInfo.InvariantCulture)))}; batch {string.Join(", ", grid.BatchSize)})");
        }));
    }

    private static string Markdown(ExperimentSpec spec, List<Selection> selections, int found, int expected, int missing, List<string> corrupt, List<string> incomplete, (double Layers, double Blocks) before, List<string> plots)
    {
        string metric = spec.Task.MetricName;
        var md = new StringBuilder();
        md.AppendLine(Invariant($"# Experiment report: {spec.Name}"));
        md.AppendLine();
        md.AppendLine("## Setup");
        md.AppendLine();
        PdeTaskSpec? pde = spec.Task.Pde;
        if (pde is not null)
        {
            string data = pde.TrainFile is not null
                ? $"files {pde.TrainFile} / {pde.ValidationFile} / {pde.TestFile}"
                : Invariant($"generated {pde.Equation} at {pde.Resolution} points per axis: pool {pde.PoolSamples}, validation {pde.ValidationSamples}, test {pde.TestSamples} (data seed {pde.DataSeed})");
            string training = pde.Loss == "mse" && pde.Normalize == "none" ? "" : Invariant($"; trained with loss {pde.Loss} and normalisation {pde.Normalize}");
            md.AppendLine(Invariant($"- Task: {pde.Model.ToUpperInvariant()} on {data}{training}; metric nRMSE (lower is better), context frames excluded."));
        }

        if (spec.Task.Text is { } text)
        {
            string model = text.Checkpoint is not null ? $"checkpoint {text.Checkpoint}" : Invariant($"a RoBERTa initialised from {text.Config} (seed {text.DataSeed}; random weights, not pretrained)");
            string validation = text.ValidationFile ?? Invariant($"{text.ValidationSamples} rows held out of the training file (seed {text.DataSeed})");
            md.AppendLine(Invariant($"- Task: {text.Kind} with {model}; training pool {text.TrainFile}, validation {validation}, test {text.TestFile}; TempBalance unit {text.Unit}; metric {text.MetricName} (lower is better)."));
        }

        md.AppendLine(Invariant($"- Ratios: {string.Join(", ", spec.Ratios.Select(r => r.ToString("G4", CultureInfo.InvariantCulture)))}; seeds: {string.Join(", ", spec.Seeds)}; subsampling: {spec.Subsampling}; epochs: {spec.Epochs}."));
        md.AppendLine(Invariant($"- Grid: {GridSize(spec)}; {expected} trials expected, {found} found, {missing} missing{(corrupt.Count > 0 ? $", {corrupt.Count} corrupt ({string.Join(", ", corrupt)})" : "")}."));
        md.AppendLine(Invariant($"- Selection: for each ratio and method, the configuration with the lowest mean validation {metric} over seeds (the paper's grid-search protocol); its test {metric} is reported as mean ± std over seeds."));
        bool blocks = !double.IsNaN(before.Blocks);
        md.AppendLine(Invariant($"- Std of PL_Alpha_Hill before training (mean over trials): {before.Layers:F3} across layers{(blocks ? Invariant($", {before.Blocks:F3} across blocks (a block's alpha: the mean of its layers')") : "")}."));
        md.AppendLine();
        md.AppendLine("## Results");
        md.AppendLine();
        md.AppendLine(Invariant($"| ratio | method | chosen configuration | seeds | test {metric} (mean ± std) | validation (mean) | alpha std across layers after |{(blocks ? " across blocks after |" : "")}"));
        md.AppendLine(blocks ? "|---|---|---|---|---|---|---|---|" : "|---|---|---|---|---|---|---|");
        foreach (Selection s in selections)
        {
            (double mean, double std) = s.Test;
            double alphaStd = s.Results.Average(r => r.AlphaStdAfter);
            string blockStd = blocks ? Invariant($" {s.Results.Average(r => BlockSpread.Of(r.AlphaAfter)):F3} |") : "";
            md.AppendLine(Invariant($"| {s.Ratio:G4} | {s.Method} | {s.Configuration.Key} | {s.Results.Count} | {mean:G4} ± {(double.IsNaN(std) ? "n/a (1 seed)" : std.ToString("G2", CultureInfo.InvariantCulture))} | {s.ValidationMean:G4} | {alphaStd:F3} |{blockStd}"));
        }

        if (incomplete.Count > 0)
        {
            md.AppendLine();
            md.AppendLine(Invariant($"**Incomplete, provisional**: these cells lack trials, so their chosen configuration and numbers may change when the missing trials finish: {string.Join("; ", incomplete)}."));
        }

        md.AppendLine();
        md.AppendLine("## TempBalance against fine-tuning");
        md.AppendLine();
        md.AppendLine(Invariant($"Relative improvement = (FT − TB) / FT of the mean test {metric} (positive: TB better). p-values are one-sided for \"TB lower than FT\": Welch's unequal-variance t-test over seeds, and a paired t-test over the seeds both methods share."));
        md.AppendLine();
        md.AppendLine("| ratio | comparison | FT | TB | improvement | Welch p | paired p |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var byRatio in selections.GroupBy(s => s.Ratio))
        {
            foreach (Selection tb in byRatio.Where(s => s.Configuration.TempBalance))
            {
                string ftMethod = tb.Configuration.FineTuningMethod;
                Selection? ft = byRatio.FirstOrDefault(s => s.Method == ftMethod);
                if (ft is null)
                {
                    continue;
                }

                double[] tbTest = tb.Results.Select(r => r.Test).ToArray(), ftTest = ft.Results.Select(r => r.Test).ToArray();
                SignificanceTest welch = Statistics.WelchLess(tbTest, ftTest);
                int[] shared = tb.Results.Select(r => r.Seed).Intersect(ft.Results.Select(r => r.Seed)).Order().ToArray();
                SignificanceTest paired = Statistics.PairedLess(
                    shared.Select(s => tb.Results.First(r => r.Seed == s).Test).ToArray(),
                    shared.Select(s => ft.Results.First(r => r.Seed == s).Test).ToArray());
                double improvement = 100 * (ft.Test.Mean - tb.Test.Mean) / ft.Test.Mean;
                md.AppendLine(Invariant($"| {byRatio.Key:G4} | {tb.Method} vs {ftMethod} | {ft.Test.Mean:G4} | {tb.Test.Mean:G4} | {improvement:+0.0;-0.0}% | {P(welch.PValue)} | {P(paired.PValue)} |"));
            }
        }

        md.AppendLine();
        md.AppendLine(Invariant($"Wall time per trial and method: [{WallTimeFile}]({WallTimeFile})."));
        md.AppendLine();
        md.AppendLine("## Plots");
        md.AppendLine();
        foreach (string plot in plots)
        {
            string name = Path.GetFileName(plot);
            md.AppendLine($"![{Path.GetFileNameWithoutExtension(name)}]({name})");
            md.AppendLine();
        }

        return md.ToString();
    }

    private static string P(double p) => double.IsNaN(p) ? "n/a" : p.ToString("G3", CultureInfo.InvariantCulture);
}
