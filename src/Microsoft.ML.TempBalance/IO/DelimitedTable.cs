using System.Globalization;
using System.Text;

namespace Microsoft.ML.TempBalance.IO;

/// <summary>
/// A TSV or CSV file with a header row. TSV fields are split on tabs; CSV follows RFC 4180 (quoted fields may hold
/// commas, quotes and newlines). Every line after the header is a row, an empty one included (an empty text in a
/// one-column file); a row whose field count differs from the header's is refused with its line number, so no row is
/// dropped or shifted silently. Only the line break that ends the file closes no row.
/// </summary>
internal sealed class DelimitedTable
{
    private DelimitedTable(string path, IReadOnlyList<string> header, IReadOnlyList<string[]> rows, IReadOnlyList<int> lines)
    {
        Path = path;
        Header = header;
        Rows = rows;
        Lines = lines;
    }

    public string Path { get; }

    public IReadOnlyList<string> Header { get; }

    public IReadOnlyList<string[]> Rows { get; }

    /// <summary>The 1-based line of the file each row starts on (for messages).</summary>
    public IReadOnlyList<int> Lines { get; }

    public static bool IsCsv(string path) => path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);

    public static DelimitedTable Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The input file '{path}' does not exist.", path);
        }

        string text = File.ReadAllText(path);
        List<(int Line, string[] Fields)> records = IsCsv(path) ? ParseCsv(text, path) : ParseTsv(text);
        if (records.Count == 0 || records[0].Fields is [""])
        {
            throw new InvalidDataException($"'{path}' has no header row on line 1; expected the column names.");
        }

        string[] header = records[0].Fields;
        foreach ((int line, string[] fields) in records.Skip(1))
        {
            if (fields.Length != header.Length)
            {
                string what = fields is [""] ? "is empty" : $"has {fields.Length} field(s)";
                throw new InvalidDataException($"'{path}', line {line} {what}; the header has {header.Length} columns. Every line after the header must be a complete row.");
            }
        }

        return new DelimitedTable(path, header, records.Skip(1).Select(r => r.Fields).ToList(), records.Skip(1).Select(r => r.Line).ToList());
    }

    /// <summary>
    /// Row <paramref name="row"/>'s label in <paramref name="column"/>: a class name (not empty, which ML.NET would map
    /// to a missing key and skip) or, for regression, a finite number; anything else is refused with its line.
    /// </summary>
    public string Label(int row, int column, bool regression)
    {
        string value = Rows[row][column];
        bool valid = regression ? float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float number) && float.IsFinite(number) : value.Length > 0;
        return valid ? value : throw new InvalidDataException($"'{Path}', line {Lines[row]}: label '{value}' in column '{Header[column]}' is not {(regression ? "a finite number" : "a class name")}.");
    }

    public int Column(string name, string option) =>
        Header.ToList().IndexOf(name) is int index and >= 0
            ? index
            : throw new InvalidDataException($"'{Path}' has no column '{name}' ({option}); its columns are: {string.Join(", ", Header)}.");

    // Lines split on \n (a \r before it dropped); the break that ends the file closes no row.
    private static List<(int Line, string[] Fields)> ParseTsv(string text)
    {
        string[] lines = text.Split('\n');
        int count = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        return Enumerable.Range(0, count).Select(i => (i + 1, lines[i].TrimEnd('\r').Split('\t'))).ToList();
    }

    private static List<(int Line, string[] Fields)> ParseCsv(string text, string path)
    {
        var records = new List<(int, string[])>();
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false, started = false;
        int line = 1, recordLine = 1;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            started = true;
            if (quoted)
            {
                if (c == '\n')
                {
                    line++;
                }

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

                line++;
                fields.Add(field.ToString());
                field.Clear();
                records.Add((recordLine, fields.ToArray()));
                fields.Clear();
                recordLine = line;
                started = false;
            }
            else
            {
                field.Append(c);
            }
        }

        if (quoted)
        {
            throw new InvalidDataException($"'{path}': the quoted field on line {recordLine} is never closed.");
        }

        // A last record without a line break (even a quoted empty field) is still a record.
        if (started)
        {
            fields.Add(field.ToString());
            records.Add((recordLine, fields.ToArray()));
        }

        return records;
    }

    public static string CsvField(string value) =>
        value.IndexOfAny(new[] { ',', '"', '\n', '\r' }) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
