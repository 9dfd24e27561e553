using ScottPlot;

using Microsoft.ML.TempBalance.Spectral;

namespace Microsoft.ML.TempBalance.Plots;

/// <summary>
/// Plots of a <see cref="SpectralReport"/> as PNG and SVG: alpha per layer (coloured by block when the model has
/// blocks) and the log-log ESD of one layer with its fitted power-law tail and xmin.
/// </summary>
public static class SpectralPlots
{
    static SpectralPlots()
    {
        // The serif fallback ScottPlot picks on headless Linux is hard to read.
        Fonts.Default = "DejaVu Sans";
    }

    /// <summary>
    /// Writes <c>alpha-per-layer.png/.svg</c>, <c>alpha-per-block.png/.svg</c> when the model has blocks, and, for
    /// <paramref name="esdLayers"/>, <c>esd-NAME.png/.svg</c>.
    /// </summary>
    /// <returns>The paths written.</returns>
    public static IReadOnlyList<string> Write(SpectralReport report, string folder, IEnumerable<string>? esdLayers = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        written.AddRange(Save(AlphaPerLayer(report), Path.Combine(folder, "alpha-per-layer"), Math.Max(800, 24 * report.Layers.Count), 600));
        if (report.Blocks.Count > 0)
        {
            written.AddRange(Save(AlphaPerBlock(report), Path.Combine(folder, "alpha-per-block"), Math.Max(720, 90 * report.Blocks.Count), 520));
        }
        foreach (string name in esdLayers ?? Array.Empty<string>())
        {
            string file = "esd-" + string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_'));
            written.AddRange(Save(Esd(report[name]), Path.Combine(folder, file), 800, 600));
        }

        return written;
    }

    /// <summary>Alpha of every layer with a finite alpha, in model order, one colour per block.</summary>
    public static Plot AlphaPerLayer(SpectralReport report)
    {
        var plot = new Plot();
        var layers = report.Layers.Where(l => double.IsFinite(l.Alpha)).ToList();
        var blocks = layers.Select(l => l.Block ?? string.Empty).Distinct().ToList();
        var bars = new List<Bar>();
        for (int i = 0; i < layers.Count; i++)
        {
            int colour = blocks.IndexOf(layers[i].Block ?? string.Empty);
            bars.Add(new Bar
            {
                Position = i,
                Value = layers[i].Alpha,
                FillColor = layers[i].Eligible ? Colors.Category10[colour % 10] : Colors.LightGray,
            });
        }

        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, layers.Count).Select(i => (double)i).ToArray(), layers.Select(l => l.Name).ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = -60;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.TickLabelStyle.OffsetY = 6;
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Bottom.MinimumSize = 40 + 6 * layers.Select(l => l.Name.Length).DefaultIfEmpty(10).Max();
        plot.Axes.Margins(bottom: 0);
        if (double.IsFinite(report.Summary.AlphaMean))
        {
            plot.Add.HorizontalLine(report.Summary.AlphaMean, 1, Colors.Gray, LinePattern.Dotted);
        }

        plot.Title(System.FormattableString.Invariant($"PL_Alpha_Hill per layer (dotted: mean {report.Summary.AlphaMean:F3}; std {report.Summary.AlphaStd:F3}; grey: not eligible)"));
        plot.YLabel("alpha");
        return plot;
    }

    /// <summary>
    /// Each block's alpha (the mean of its eligible Linear layers: what block-wise TempBalance balances) as a bar, with
    /// its layers' alphas as dots: the spread within a block is what one factor per block cannot change.
    /// </summary>
    public static Plot AlphaPerBlock(SpectralReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var plot = new Plot();
        var bars = new List<Bar>();
        for (int i = 0; i < report.Blocks.Count; i++)
        {
            BlockSpectrum block = report.Blocks[i];
            bars.Add(new Bar { Position = i, Value = block.Alpha, FillColor = Colors.Category10[i % 10].WithAlpha(0.6) });
            double[] members = report.Layers.Where(l => l.Block == block.Name && l.Eligible && l.Kind is LayerKind.Linear or LayerKind.LoraLinear).Select(l => l.Alpha).ToArray();
            var dots = plot.Add.ScatterPoints(Enumerable.Repeat((double)i, members.Length).ToArray(), members);
            dots.Color = Colors.Black;
            dots.MarkerSize = 5;
        }

        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, report.Blocks.Count).Select(i => (double)i).ToArray(), report.Blocks.Select(b => b.Name).ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = -30;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.MinimumSize = 30 + 5 * report.Blocks.Select(b => b.Name.Length).Max();
        plot.Axes.Margins(bottom: 0);
        plot.Title(System.FormattableString.Invariant($"Block alpha (bars) and its Linear layers (dots)\nstd {report.Summary.BlockAlphaStd:F3} across blocks, {report.Summary.AlphaStd:F3} across layers"));
        plot.YLabel("alpha");
        return plot;
    }

    /// <summary>The log-log ESD histogram of one layer, with xmin and the fitted power law over the tail.</summary>
    public static Plot Esd(LayerSpectrum layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        double[] logs = layer.Eigenvalues.Where(v => v > 0).Select(Math.Log10).ToArray();
        if (logs.Length < 2)
        {
            throw new InvalidOperationException($"Layer '{layer.Name}' has no positive eigenvalues to plot (status {layer.Status}).");
        }

        var plot = new Plot();
        int bins = Math.Clamp(logs.Length / 5, 10, 100);
        double lo = logs.Min();
        double hi = logs.Max() + 1e-12;
        double width = (hi - lo) / bins;
        var centres = new List<double>();
        var densities = new List<double>();
        for (int b = 0; b < bins; b++)
        {
            double left = lo + b * width;
            int count = logs.Count(v => v >= left && (v < left + width || b == bins - 1));
            if (count > 0)
            {
                // Density per unit of linear eigenvalue, so a power law is a straight line of slope -alpha.
                double linearWidth = Math.Pow(10, left + width) - Math.Pow(10, left);
                centres.Add(left + width / 2);
                densities.Add(Math.Log10(count / (logs.Length * linearWidth)));
            }
        }

        var esd = plot.Add.Scatter(centres.ToArray(), densities.ToArray());
        esd.LineWidth = 0;
        esd.MarkerSize = 6;
        esd.LegendText = "ESD (density)";
        if (double.IsFinite(layer.Alpha) && layer.Xmin > 0)
        {
            double logXmin = Math.Log10(layer.Xmin);
            var marker = plot.Add.VerticalLine(logXmin, 2, Colors.Red, LinePattern.Dashed);
            marker.Text = "xmin";

            // Fitted tail density p(x) = (alpha - 1)/xmin (x/xmin)^-alpha, scaled by the tail's share of the ESD.
            double share = (double)(layer.EigenvalueCount - layer.XminIndex) / layer.EigenvalueCount;
            double[] xs = Enumerable.Range(0, 50).Select(k => logXmin + k * (hi - logXmin) / 49).ToArray();
            double[] ys = xs.Select(x => Math.Log10(share * (layer.Alpha - 1) / layer.Xmin) - layer.Alpha * (x - logXmin)).ToArray();
            var fit = plot.Add.Scatter(xs, ys);
            fit.MarkerSize = 0;
            fit.LineWidth = 2;
            fit.Color = Colors.Red;
            fit.LegendText = $"power law, alpha = {layer.Alpha:F3}";
        }

        foreach (IAxis axis in new IAxis[] { plot.Axes.Bottom, plot.Axes.Left })
        {
            axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = v => Math.Pow(10, v).ToString("G3", System.Globalization.CultureInfo.InvariantCulture),
            };
        }

        plot.Title($"ESD of {layer.Name} ({layer.EigenvalueCount} eigenvalues)");
        plot.XLabel("eigenvalue (log scale)");
        plot.YLabel("density (log scale)");
        plot.ShowLegend();
        return plot;
    }

    private static IEnumerable<string> Save(Plot plot, string pathWithoutExtension, int width, int height)
    {
        string png = pathWithoutExtension + ".png";
        string svg = pathWithoutExtension + ".svg";
        plot.SavePng(png, width, height);
        plot.SaveSvg(svg, width, height);
        return new[] { png, svg };
    }
}
