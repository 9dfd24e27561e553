namespace Microsoft.ML.TempBalance.Text;

/// <summary>One tokenized example: ids and token types with special tokens, and its class index or regression target.</summary>
internal readonly record struct TextExample(EncodedText Tokens, long Class, float Target);
