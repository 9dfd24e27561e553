using System.Globalization;
using Microsoft.ML.TempBalance.Spectral;

namespace Microsoft.ML.TempBalance.Cli;

/// <summary>A plain-text table of a spectral report, aligned for a terminal and stable for scripts.</summary>
internal static class ReportTable
{
    public static void Write(SpectralReport report, TextWriter output, bool blocks)
    {
        string[] header = { "layer", "kind", "shape", "N", "alpha", "xmin", "KS", "lambda_max", "stable_rank", "eligible" };
        var rows = report.Layers.Select(l => new[]
        {
            l.Name, l.Kind.ToString(), string.Join('x', l.Shape), l.EigenvalueCount.ToString(CultureInfo.InvariantCulture),
            F(l.Alpha), F(l.Xmin), F(l.KsDistance), F(l.SpectralNorm), F(l.StableRank), l.Eligible ? "yes" : $"no ({l.Status})",
        }).ToList();
        WriteAligned(output, header, rows);

        SpectralSummary s = report.Summary;
        output.WriteLine();
        output.WriteLine($"{s.LayerCount} layers, {s.EligibleCount} eligible; alpha mean {F(s.AlphaMean)}, std {F(s.AlphaStd)} ({report.Options.Xmin}, xmin position {F(report.Options.XminPosition)})");
        if (blocks)
        {
            output.WriteLine();
            if (report.Blocks.Count == 0)
            {
                output.WriteLine("no transformer blocks found");
            }
            else
            {
                WriteAligned(output, new[] { "block", "alpha", "layers" },
                    report.Blocks.Select(b => new[] { b.Name, F(b.Alpha), b.LayerCount.ToString(CultureInfo.InvariantCulture) }).ToList());
                output.WriteLine($"block alpha mean {F(s.BlockAlphaMean)}, std {F(s.BlockAlphaStd)}");
            }
        }
    }

    private static void WriteAligned(TextWriter output, string[] header, List<string[]> rows)
    {
        int[] widths = header.Select((h, i) => Math.Max(h.Length, rows.Select(r => r[i].Length).DefaultIfEmpty(0).Max())).ToArray();
        output.WriteLine(string.Join("  ", header.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        foreach (string[] row in rows)
        {
            output.WriteLine(string.Join("  ", row.Select((v, i) => i == 0 || i >= row.Length - 1 ? v.PadRight(widths[i]) : v.PadLeft(widths[i]))).TrimEnd());
        }
    }

    private static string F(double value) =>
        double.IsFinite(value) ? value.ToString(Math.Abs(value) >= 1e4 || (value != 0 && Math.Abs(value) < 1e-3) ? "E3" : "F4", CultureInfo.InvariantCulture)
        : double.IsNaN(value) ? "NaN" : value > 0 ? "inf" : "-inf";
}
