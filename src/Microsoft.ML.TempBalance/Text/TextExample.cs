namespace Microsoft.ML.TempBalance.Text;

/// <summary>One tokenized example: ids with special tokens, and its class index or regression target.</summary>
internal readonly record struct TextExample(int[] Ids, long Class, float Target);
