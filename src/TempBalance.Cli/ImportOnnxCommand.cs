using System.CommandLine;
using Microsoft.ML.TempBalance.Text;
using CliCommand = System.CommandLine.Command;

namespace Microsoft.ML.TempBalance.Cli;

/// <summary>
/// <c>tempbalance import-onnx</c>: turns a BERT-family encoder exported to ONNX (and its vocab.txt) into a Hugging
/// Face checkpoint folder that every other command and the ML.NET text trainers accept.
/// </summary>
internal static class ImportOnnxCommand
{
    public static CliCommand Create(TextWriter output, TextWriter error)
    {
        var model = new Option<string>("--model") { Description = "The .onnx file (a BERT-family encoder exported by PyTorch).", Required = true };
        var vocab = new Option<string>("--vocab") { Description = "The model's WordPiece vocab.txt.", Required = true };
        var outFolder = new Option<string>("--out") { Description = "The checkpoint folder to write (new or empty).", Required = true };
        var casing = new Option<string>("--casing") { Description = "Tokenizer casing: auto (from the vocabulary), uncased or cased.", DefaultValueFactory = _ => "auto" };
        casing.AcceptOnlyFromAmong("auto", "uncased", "cased");
        var command = new CliCommand("import-onnx", "Import a BERT-family ONNX encoder into a Hugging Face checkpoint folder (config.json, vocab.txt, model.safetensors).")
        {
            model, vocab, outFolder, casing,
        };
        command.SetAction(parsed =>
        {
            try
            {
                bool? lowerCase = parsed.GetValue(casing) switch { "uncased" => true, "cased" => false, _ => null };
                OnnxImportResult result = OnnxEncoderImporter.Import(parsed.GetValue(model)!, parsed.GetValue(vocab)!, parsed.GetValue(outFolder)!, lowerCase);
                EncoderConfig c = result.Config;
                output.WriteLine($"Wrote {result.Folder}");
                output.WriteLine($"  {c.ModelType}: {c.NumHiddenLayers} layers, hidden {c.HiddenSize}, {c.NumAttentionHeads} heads, intermediate {c.IntermediateSize}, vocabulary {c.VocabSize}, positions {c.MaxPositionEmbeddings}, token types {c.TypeVocabSize}, {c.HiddenAct}, layer-norm eps {c.LayerNormEps:G3}");
                output.WriteLine($"  tokenizer: {(result.LowerCase ? "uncased (lower-casing, accents stripped)" : "cased")}; {result.RecoveredNames.Count} weight(s) named by following the graph");
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
