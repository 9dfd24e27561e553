using ScottPlot;

namespace Microsoft.ML.TempBalance.SciML;

/// <summary>Pictures of predictions next to the truth: heatmaps for 2D fields, line plots for 1D frames (PNG and SVG).</summary>
public static class PdePlots
{
    /// <summary>
    /// Writes, for one sample, the truth, the prediction and the error of the last frame (2D: three heatmaps; 1D:
    /// one line plot with both curves), and returns the written files.
    /// </summary>
    public static IReadOnlyList<string> WritePrediction(PdeDataset truth, float[] predicted, int sample, string folder, string name)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentOutOfRangeException.ThrowIfNegative(sample);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(sample, truth.Samples);
        Directory.CreateDirectory(folder);
        Fonts.Default = "DejaVu Sans";
        int frame = truth.Times - 1;
        int offset = sample * truth.SampleSize + frame * truth.FrameSize;
        float[] expected = truth.Data.AsSpan(offset, truth.FrameSize).ToArray();
        float[] actual = predicted.AsSpan(offset, truth.FrameSize).ToArray();
        var files = new List<string>();
        if (truth.SpatialShape.Count == 2)
        {
            int n = truth.SpatialShape[0], m = truth.SpatialShape[1], channels = truth.Channels.Count;
            double[,] Field(Func<int, double> value)
            {
                var grid = new double[n, m];
                for (int i = 0; i < n; i++)
                {
                    for (int j = 0; j < m; j++)
                    {
                        grid[i, j] = value((i * m + j) * channels);
                    }
                }

                return grid;
            }

            foreach ((string part, double[,] field) in new[]
            {
                ("truth", Field(k => expected[k])),
                ("prediction", Field(k => actual[k])),
                ("error", Field(k => actual[k] - expected[k])),
            })
            {
                var plot = new Plot();
                var heatmap = plot.Add.Heatmap(field);
                plot.Add.ColorBar(heatmap);
                plot.Title($"{truth.Equation} sample {sample}: {part} ({truth.Channels[0]}, last frame)");
                files.AddRange(Save(plot, folder, $"{name}-{part}", 520, 460));
            }
        }
        else
        {
            var plot = new Plot();
            double[] x = truth.SpatialCoordinates[0].Select(v => (double)v).ToArray();
            int channels = truth.Channels.Count;
            var truthLine = plot.Add.ScatterLine(x, x.Select((_, i) => (double)expected[i * channels]).ToArray());
            truthLine.LegendText = "truth";
            var predictionLine = plot.Add.ScatterLine(x, x.Select((_, i) => (double)actual[i * channels]).ToArray());
            predictionLine.LegendText = "prediction";
            predictionLine.LinePattern = LinePattern.Dashed;
            plot.ShowLegend();
            plot.Title($"{truth.Equation} sample {sample}, last frame ({truth.Channels[0]})");
            plot.XLabel("x");
            files.AddRange(Save(plot, folder, name, 800, 450));
        }

        return files;
    }

    private static IEnumerable<string> Save(Plot plot, string folder, string name, int width, int height)
    {
        string png = Path.Combine(folder, name + ".png");
        string svg = Path.Combine(folder, name + ".svg");
        plot.SavePng(png, width, height);
        plot.SaveSvg(svg, width, height);
        return new[] { png, svg };
    }
}
