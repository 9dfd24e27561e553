using ScottPlot;

namespace Microsoft.ML.TempBalance.Plots;

/// <summary>Pictures of a predicted field next to the truth: heatmaps for 2D fields, line plots for 1D frames (PNG and SVG).</summary>
public static class FieldPlots
{
    /// <summary>
    /// Writes the truth, the prediction and the error of the first channel (2D: three heatmaps <c>NAME-truth</c>,
    /// <c>NAME-prediction</c>, <c>NAME-error</c>; 1D: one line plot <c>NAME</c> with both curves), and returns the files.
    /// </summary>
    /// <exception cref="ArgumentException">The frames' lengths do not match the shape and channels, or the shape is not 1D or 2D.</exception>
    public static IReadOnlyList<string> WritePrediction(FieldComparison field, string folder, string name)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        int channels = field.Channels.Count;
        int points = field.SpatialShape.Aggregate(1, (a, b) => a * b);
        if (field.SpatialShape.Count is not (1 or 2) || channels == 0)
        {
            throw new ArgumentException($"Expected a 1D or 2D field with at least one channel; got shape [{string.Join(", ", field.SpatialShape)}] and {channels} channel(s).", nameof(field));
        }

        foreach ((string part, float[] values) in new[] { ("Truth", field.Truth), ("Prediction", field.Prediction) })
        {
            if (values.Length != points * channels)
            {
                throw new ArgumentException($"{part} holds {values.Length} values; shape [{string.Join(", ", field.SpatialShape)}] x {channels} channel(s) needs {points * channels}.", nameof(field));
            }
        }

        if (field.X is { } x && x.Length != points)
        {
            throw new ArgumentException($"X holds {x.Length} coordinates for {points} points.", nameof(field));
        }

        Directory.CreateDirectory(folder);
        Fonts.Default = "DejaVu Sans";
        float[] expected = field.Truth, actual = field.Prediction;
        var files = new List<string>();
        if (field.SpatialShape.Count == 2)
        {
            int n = field.SpatialShape[0], m = field.SpatialShape[1];
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

            foreach ((string part, double[,] values) in new[]
            {
                ("truth", Field(k => expected[k])),
                ("prediction", Field(k => actual[k])),
                ("error", Field(k => actual[k] - expected[k])),
            })
            {
                var plot = new Plot();
                var heatmap = plot.Add.Heatmap(values);
                plot.Add.ColorBar(heatmap);
                plot.Title($"{field.Title}: {part} ({field.Channels[0]})");
                files.AddRange(Save(plot, folder, $"{name}-{part}", 520, 460));
            }
        }
        else
        {
            var plot = new Plot();
            double[] xs = field.X?.Select(v => (double)v).ToArray() ?? Enumerable.Range(0, points).Select(i => (double)i).ToArray();
            var truthLine = plot.Add.ScatterLine(xs, xs.Select((_, i) => (double)expected[i * channels]).ToArray());
            truthLine.LegendText = "truth";
            var predictionLine = plot.Add.ScatterLine(xs, xs.Select((_, i) => (double)actual[i * channels]).ToArray());
            predictionLine.LegendText = "prediction";
            predictionLine.LinePattern = LinePattern.Dashed;
            plot.ShowLegend(Edge.Right);
            plot.Title($"{field.Title} ({field.Channels[0]})");
            plot.XLabel("x");
            files.AddRange(Save(plot, folder, name, 880, 450));
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
