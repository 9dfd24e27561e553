using System.Globalization;
using Microsoft.ML.TempBalance.IO;

namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>One example of a text task's file.</summary>
internal sealed record TextRow(string Label, string Sentence1, string? Sentence2);

/// <summary>The examples of a text task's headered TSV/CSV file, with the task's columns checked and its labels validated.</summary>
internal static class TextTable
{
    /// <summary>Checks that <paramref name="path"/> has the task's columns; errors name the spec, the file and the key.</summary>
    public static void RequireColumns(string path, string source, TextTaskSpec task)
    {
        DelimitedTable table = DelimitedTable.Read(path);
        try
        {
            table.Column(task.LabelColumn, "task.text.labelColumn");
            table.Column(task.Sentence1Column, "task.text.sentence1Column");
            if (task.Sentence2Column is not null)
            {
                table.Column(task.Sentence2Column, "task.text.sentence2Column");
            }
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{source}': {e.Message}", e);
        }
    }

    public static int CountRows(string path) => DelimitedTable.Read(path).Rows.Count;

    public static List<TextRow> Read(string path, TextTaskSpec task)
    {
        DelimitedTable table = DelimitedTable.Read(path);
        int label = table.Column(task.LabelColumn, "labelColumn"), first = table.Column(task.Sentence1Column, "sentence1Column");
        int second = task.Sentence2Column is null ? -1 : table.Column(task.Sentence2Column, "sentence2Column");
        var rows = new List<TextRow>(table.Rows.Count);
        for (int i = 0; i < table.Rows.Count; i++)
        {
            string[] fields = table.Rows[i];
            rows.Add(new TextRow(table.Label(i, label, task.Regression), fields[first], second < 0 ? null : fields[second]));
        }

        return rows;
    }

    public static float Number(string value) => float.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
}
