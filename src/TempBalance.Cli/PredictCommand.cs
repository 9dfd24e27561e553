using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.IO;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.Runtime;
using Microsoft.ML.TempBalance.Text;
using CliCommand = System.CommandLine.Command;

namespace Microsoft.ML.TempBalance.Cli;

/// <summary>
/// <c>tempbalance predict</c>: scores a TSV/CSV file with a Hugging Face checkpoint folder or a model saved by
/// the text trainers, one output row per input row, in input order.
/// </summary>
internal static class PredictCommand
{
    public static CliCommand Create(TextWriter output, TextWriter error)
    {
        var model = new Option<string>("--model") { Description = "A Hugging Face RoBERTa or BERT checkpoint folder, or a model .zip saved with SaveTorchModel.", Required = true };
        var adapter = new Option<string?>("--adapter") { Description = "A PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors) applied to the --model checkpoint folder." };
        var input = new Option<string>("--input") { Description = "TSV (or .csv) file with a header row.", Required = true };
        var sentence1 = new Option<string>("--sentence1") { Description = "Column holding the (first) text.", Required = true };
        var sentence2 = new Option<string?>("--sentence2") { Description = "Column holding the second text of sentence pairs." };
        var outputFile = new Option<string>("--output") { Description = "Output file: TSV, or CSV/JSON by its extension.", Required = true };
        var maxLength = new Option<int?>("--max-length") { Description = "Checkpoint folders: longest input in tokens (default: what the position embeddings allow). Saved models keep their own." };
        var threads = new Option<int>("--threads") { Description = "Torch threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var keep = new Option<string?>("--keep") { Description = "Input columns copied to each output row ahead of the predictions, comma-separated, to join them back (default: the input's 'id' column, any case, if it has one; '' for none)." };
        var command = new CliCommand("predict", "Class probabilities and predicted labels (or similarity scores) for each row of a TSV/CSV file, one output row per input row, in order.")
        {
            model, adapter, input, sentence1, sentence2, outputFile, maxLength, threads, keep,
        };
        command.SetAction(parsed =>
        {
            try
            {
                TorchRuntime.SetThreadCount(Math.Max(1, parsed.GetValue(threads)));
                using TextTransformer transformer = Open(parsed.GetValue(model)!, parsed.GetValue(adapter), parsed.GetValue(maxLength));
                DelimitedTable table = DelimitedTable.Read(parsed.GetValue(input)!);
                int first = table.Column(parsed.GetValue(sentence1)!, "--sentence1");
                int? second = parsed.GetValue(sentence2) is { } name ? table.Column(name, "--sentence2") : null;
                int[] kept = KeptColumns(table, parsed.GetValue(keep));
                float[][] scores = transformer.Predict(table.Rows.Select(r => (r[first], second is int s ? r[s] : null)).ToList());
                if (scores.Length != table.Rows.Count)
                {
                    throw new InvalidDataException($"The model returned {scores.Length} prediction(s) for {table.Rows.Count} row(s) of '{table.Path}'.");
                }

                string path = parsed.GetValue(outputFile)!;
                Write(path, kept.Select(k => table.Header[k]).ToArray(), table.Rows.Select(r => kept.Select(k => r[k]).ToArray()).ToList(), transformer.Labels, transformer.IsRegression, scores);
                output.WriteLine($"Wrote {scores.Length} prediction(s) to {path}");
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException or NotSupportedException)
            {
                error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static TextTransformer Open(string path, string? adapter, int? maxLength)
    {
        if (adapter is not null && !Directory.Exists(path))
        {
            throw new ArgumentException($"--adapter applies to a checkpoint folder; '{path}' is not one (a saved model already holds its adapters).");
        }

        if (Directory.Exists(path))
        {
            TextCheckpoint checkpoint = adapter is null ? TextCheckpoint.Load(path) : TextCheckpoint.LoadWithAdapter(path, adapter);
            return TextTransformer.FromCheckpoint(checkpoint, maxLength ?? int.MaxValue);
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"--model '{path}' is neither a checkpoint folder nor a saved model file.", path);
        }

        ITransformer loaded = new MLContext(seed: 0).Model.LoadTorchModel(path, out _);
        IEnumerable<ITransformer> members = loaded is TransformerChain<ITransformer> chain ? chain : new[] { loaded };
        TextTransformer found = members.OfType<TextTransformer>().FirstOrDefault()
            ?? throw new InvalidDataException($"'{path}' holds no text model.");
        return found;
    }

    // The --keep columns, or the input's id column (any case) by default.
    private static int[] KeptColumns(DelimitedTable table, string? keep)
    {
        if (keep is null)
        {
            return table.Header.Select((name, index) => (name, index)).Where(c => c.name.Equals("id", StringComparison.OrdinalIgnoreCase)).Select(c => c.index).Take(1).ToArray();
        }

        return keep.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(name => table.Column(name, "--keep")).ToArray();
    }

    private static void Write(string path, string[] keptHeader, List<string[]> keptRows, IReadOnlyList<string> labels, bool regression, float[][] scores)
    {
        string[] header = keptHeader.Concat(regression ? new[] { "Score" } : labels.Append("PredictedLabel")).ToArray();
        if (header.GroupBy(h => h, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } clash)
        {
            throw new ArgumentException($"--keep: the output would have two columns named '{clash.Key}'; keep other columns or rename that one in the input.");
        }

        IEnumerable<string[]> rows = scores.Select((s, i) => keptRows[i].Concat(regression
            ? new[] { Format(s[0]) }
            : s.Select(Format).Append(labels[Array.IndexOf(s, s.Max())])).ToArray());
        string content;
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            var objects = scores.Select((s, k) =>
            {
                var row = new Dictionary<string, object>();
                for (int c = 0; c < keptHeader.Length; c++)
                {
                    row[keptHeader[c]] = keptRows[k][c];
                }

                if (regression)
                {
                    row["Score"] = s[0];
                }
                else
                {
                    for (int i = 0; i < labels.Count; i++)
                    {
                        row[labels[i]] = s[i];
                    }

                    row["PredictedLabel"] = labels[Array.IndexOf(s, s.Max())];
                }

                return row;
            });
            content = JsonSerializer.Serialize(objects, new JsonSerializerOptions { WriteIndented = true });
        }
        else
        {
            bool csv = DelimitedTable.IsCsv(path);
            if (!csv && keptRows.SelectMany(r => r).FirstOrDefault(v => v.IndexOfAny(new[] { '\t', '\n', '\r' }) >= 0) is { } bad)
            {
                throw new ArgumentException($"--keep: the value '{bad.ReplaceLineEndings(" ")}' holds a tab or line break, which a TSV cannot carry; write .csv or .json output.");
            }

            string Join(IEnumerable<string> fields) => csv ? string.Join(",", fields.Select(DelimitedTable.CsvField)) : string.Join("\t", fields);
            content = string.Join("\n", new[] { Join(header) }.Concat(rows.Select(Join))) + "\n";
        }

        AtomicFile.Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(content)));
    }

    private static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
