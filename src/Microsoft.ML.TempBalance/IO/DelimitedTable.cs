using System.Text;

namespace Microsoft.ML.TempBalance.IO;

/// <summary>
/// A TSV or CSV file with a header row. TSV fields are split on tabs; CSV follows RFC 4180 (quoted fields may hold
/// commas, quotes and newlines).
/// </summary>
internal sealed class DelimitedTable
{
    private DelimitedTable(string path, IReadOnlyList<string> header, IReadOnlyList<string[]> rows)
    {
        Path = path;
        Header = header;
        Rows = rows;
    }

    public string Path { get; }

    public IReadOnlyList<string> Header { get; }

    public IReadOnlyList<string[]> Rows { get; }

    public static bool IsCsv(string path) => path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);

    public static DelimitedTable Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The input file '{path}' does not exist.", path);
        }

        string text = File.ReadAllText(path);
        List<string[]> records = IsCsv(path) ? ParseCsv(text) : text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).Select(l => l.Split('\t')).ToList();
        if (records.Count == 0)
        {
            throw new InvalidDataException($"'{path}' is empty; expected a header row naming the columns.");
        }

        string[] header = records[0];
        for (int i = 1; i < records.Count; i++)
        {
            if (records[i].Length != header.Length)
            {
                throw new InvalidDataException($"'{path}': row {i} has {records[i].Length} fields, the header {header.Length}.");
            }
        }

        return new DelimitedTable(path, header, records.Skip(1).ToList());
    }

    public int Column(string name, string option) =>
        Header.ToList().IndexOf(name) is int index and >= 0
            ? index
            : throw new InvalidDataException($"'{Path}' has no column '{name}' ({option}); its columns are: {string.Join(", ", Header)}.");

    private static List<string[]> ParseCsv(string text)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n' || c == '\r')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                fields.Add(field.ToString());
                field.Clear();
                if (fields.Count > 1 || fields[0].Length > 0)
                {
                    records.Add(fields.ToArray());
                }

                fields.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            records.Add(fields.ToArray());
        }

        return records;
    }

    public static string CsvField(string value) =>
        value.IndexOfAny(new[] { ',', '"', '\n', '\r' }) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
