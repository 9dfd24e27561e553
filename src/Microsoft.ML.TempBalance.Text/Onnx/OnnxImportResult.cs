namespace Microsoft.ML.TempBalance.Text;

/// <summary>What <see cref="OnnxEncoderImporter.Import"/> wrote and how it named the tensors.</summary>
/// <param name="Folder">The Hugging Face checkpoint folder written.</param>
/// <param name="Config">The configuration inferred from the graph and the tensors.</param>
/// <param name="RecoveredNames">Each tensor stored under a generated name, with the Hugging Face name found for it by following the graph (<c>"927 -> encoder.layer.0.attention.self.query.weight"</c>).</param>
/// <param name="LowerCase">Whether the written tokenizer lower-cases (an uncased vocabulary).</param>
public sealed record OnnxImportResult(string Folder, EncoderConfig Config, IReadOnlyList<string> RecoveredNames, bool LowerCase);
