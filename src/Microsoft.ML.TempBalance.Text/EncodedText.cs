namespace Microsoft.ML.TempBalance.Text;

/// <summary>One tokenized input with its special tokens: ids and, per id, the segment (token type: 0 for the first text, 1 for the second).</summary>
/// <param name="Ids">Token ids.</param>
/// <param name="TypeIds">Token type ids, as long as <paramref name="Ids"/> (all 0 for RoBERTa, whose tokenizer has no segments).</param>
public sealed record EncodedText(int[] Ids, int[] TypeIds)
{
    /// <summary>Ids of a single segment (every token type 0).</summary>
    public static EncodedText SingleSegment(int[] ids) => new(ids, new int[ids.Length]);
}
