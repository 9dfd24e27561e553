using ScottPlot;

namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>The report's figures (PNG and SVG).</summary>
internal static class ExperimentPlots
{
    public static IEnumerable<string> MetricVsRatio(List<ExperimentReport.Selection> selections, string folder, string metric)
    {
        var plot = NewPlot($"Test {metric} vs training-data ratio (mean ± std over seeds)", RatioAxisLabel, $"test {metric}");
        foreach (var method in selections.GroupBy(s => s.Method).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            double[] x = method.Select(s => Math.Log10(s.Ratio)).ToArray();
            double[] y = method.Select(s => s.Test.Mean).ToArray();
            double[] e = method.Select(s => double.IsNaN(s.Test.Std) ? 0 : s.Test.Std).ToArray();
            var line = plot.Add.Scatter(x, y, ColorOf(method.Key, selections));
            line.LegendText = method.Key;
            var bars = plot.Add.ErrorBar(x, y, e);
            bars.Color = line.Color;
        }

        RatioAxis(plot, selections);
        plot.ShowLegend(Edge.Right);
        return Save(plot, folder, "metric-vs-ratio");
    }

    /// <summary>The alpha spread after training per method against the ratio, across layers or across blocks, with the level before training.</summary>
    public static IEnumerable<string> AlphaStdVsRatio(List<ExperimentReport.Selection> selections, string folder, bool blocks, double before)
    {
        string across = blocks ? "blocks" : "layers";
        var plot = NewPlot($"Std of PL_Alpha_Hill across {across} after training (mean over seeds)", RatioAxisLabel, "alpha std");
        foreach (var method in selections.GroupBy(s => s.Method).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            double[] y = method.Select(s => s.Results.Average(r => blocks ? BlockSpread.Of(r.AlphaAfter) : r.AlphaStdAfter)).ToArray();
            var line = plot.Add.Scatter(method.Select(s => Math.Log10(s.Ratio)).ToArray(), y, ColorOf(method.Key, selections));
            line.LegendText = method.Key;
        }

        if (!double.IsNaN(before))
        {
            var level = plot.Add.HorizontalLine(before);
            level.LinePattern = LinePattern.Dashed;
            level.Color = Colors.Gray;
            level.LegendText = "before training";
        }

        RatioAxis(plot, selections);
        plot.ShowLegend(Edge.Right);
        return Save(plot, folder, blocks ? "block-alpha-std-vs-ratio" : "alpha-std-vs-ratio");
    }

    public static IEnumerable<string> AlphaPerLayer(List<ExperimentReport.Selection> selections, string folder)
    {
        if (selections.Count == 0)
        {
            return Array.Empty<string>();
        }

        double lowest = selections.Min(s => s.Ratio);
        var at = selections.Where(s => s.Ratio == lowest).OrderBy(s => s.Method, StringComparer.Ordinal).ToList();
        string[] layers = at.SelectMany(s => s.Results.SelectMany(r => r.AlphaAfter.Keys)).Distinct().ToArray();
        var plot = NewPlot($"Per-layer alpha after training at ratio {lowest:G4} (mean over seeds)", "layer", "PL_Alpha_Hill");
        double[] positions = Enumerable.Range(0, layers.Length).Select(i => (double)i).ToArray();
        foreach (var selection in at)
        {
            double[] alphas = layers.Select(l => selection.Results.Where(r => r.AlphaAfter.ContainsKey(l)).Select(r => r.AlphaAfter[l]).DefaultIfEmpty(double.NaN).Average()).ToArray();
            var line = plot.Add.Scatter(positions, alphas, ColorOf(selection.Method, selections));
            line.LegendText = selection.Method;
        }

        plot.Axes.Bottom.SetTicks(positions, layers);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.ShowLegend(Edge.Right);
        return Save(plot, folder, "alpha-per-layer");
    }

    public static IEnumerable<string> LearningRateFactors(List<ExperimentReport.Selection> selections, string folder)
    {
        var tb = selections.Where(s => s.Configuration.TempBalance).OrderBy(s => s.Ratio).ThenBy(s => s.Method, StringComparer.Ordinal).FirstOrDefault();
        TrialResult? trial = tb?.Results.FirstOrDefault(r => r.LearningRateFactors.Count > 0);
        if (tb is null || trial is null)
        {
            return Array.Empty<string>();
        }

        var plot = NewPlot($"TempBalance learning-rate factors, ratio {tb.Ratio:G4}, seed {trial.Seed}", "step", "factor on the base learning rate");
        foreach (string unit in trial.LearningRateFactors.SelectMany(f => f.Factors.Keys).Distinct())
        {
            double[] x = trial.LearningRateFactors.Select(f => (double)f.Step).ToArray();
            double[] y = trial.LearningRateFactors.Select(f => f.Factors.GetValueOrDefault(unit, double.NaN)).ToArray();
            var line = plot.Add.Scatter(x, y);
            line.LegendText = unit;
        }

        plot.ShowLegend(Edge.Right);
        return Save(plot, folder, "learning-rate-factors");
    }

    // A method keeps its colour in every figure of a report (ScottPlot's automatic colours follow the order in which
    // things are added, and the error bars of one figure take turns in it), so FT in one plot is FT in the next.
    private static Color ColorOf(string method, List<ExperimentReport.Selection> selections)
    {
        int index = selections.Select(s => s.Method).Distinct().Order(StringComparer.Ordinal).ToList().IndexOf(method);
        return MethodPalette.GetColor(index);
    }

    private static readonly IPalette MethodPalette = new ScottPlot.Palettes.Category10();

    private const string RatioAxisLabel = "training data: share of the pool (samples), log scale";

    // The low-data end is where the method matters, so the ratios sit on a log axis, each labelled with its share
    // of the pool and its training-set size.
    private static void RatioAxis(Plot plot, List<ExperimentReport.Selection> selections)
    {
        var ratios = selections.GroupBy(s => s.Ratio).OrderBy(g => g.Key).ToList();
        if (ratios.Count == 0)
        {
            return;
        }

        double[] positions = ratios.Select(g => Math.Log10(g.Key)).ToArray();
        string[] labels = ratios.Select(g => System.FormattableString.Invariant($"{g.Key * 100:G3}% ({g.First().Results[0].TrainSamples})")).ToArray();
        plot.Axes.Bottom.SetTicks(positions, labels);
        double span = Math.Max(positions[^1] - positions[0], 0.5);
        plot.Axes.SetLimitsX(positions[0] - 0.08 * span, positions[^1] + 0.08 * span);
    }

    private static Plot NewPlot(string title, string x, string y)
    {
        Fonts.Default = "DejaVu Sans";
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        return plot;
    }

    private static IEnumerable<string> Save(Plot plot, string folder, string name)
    {
        string png = Path.Combine(folder, name + ".png");
        string svg = Path.Combine(folder, name + ".svg");
        plot.SavePng(png, 900, 520);
        plot.SaveSvg(svg, 900, 520);
        return new[] { png, svg };
    }
}
