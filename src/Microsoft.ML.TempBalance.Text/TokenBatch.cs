using TorchSharp;

namespace Microsoft.ML.TempBalance.Text;

/// <summary>Encoded inputs padded to the batch's longest sequence: ids, attention mask and token types, each [batch, length] int64.</summary>
public sealed class TokenBatch : IDisposable
{
    private TokenBatch(torch.Tensor ids, torch.Tensor mask, torch.Tensor typeIds)
    {
        Ids = ids;
        Mask = mask;
        TypeIds = typeIds;
    }

    /// <summary>Token ids, padded with the pad id.</summary>
    public torch.Tensor Ids { get; }

    /// <summary>1 for real tokens, 0 for padding.</summary>
    public torch.Tensor Mask { get; }

    /// <summary>Token type (segment) ids, padded with 0.</summary>
    public torch.Tensor TypeIds { get; }

    /// <summary>Pads the encoded inputs to the longest one.</summary>
    public static TokenBatch Create(IReadOnlyList<EncodedText> inputs, int padId, torch.Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0)
        {
            throw new ArgumentException("A batch needs at least one sequence.", nameof(inputs));
        }

        int length = inputs.Max(s => s.Ids.Length);
        var ids = new long[inputs.Count * length];
        var mask = new long[ids.Length];
        var types = new long[ids.Length];
        for (int row = 0; row < inputs.Count; row++)
        {
            EncodedText input = inputs[row];
            for (int col = 0; col < length; col++)
            {
                bool real = col < input.Ids.Length;
                ids[row * length + col] = real ? input.Ids[col] : padId;
                mask[row * length + col] = real ? 1 : 0;
                types[row * length + col] = real ? input.TypeIds[col] : 0;
            }
        }

        long[] shape = { inputs.Count, length };
        return new TokenBatch(torch.tensor(ids, shape, device: device), torch.tensor(mask, shape, device: device), torch.tensor(types, shape, device: device));
    }

    /// <summary>Pads single-segment id sequences (token types 0) to the longest one.</summary>
    public static TokenBatch Create(IReadOnlyList<int[]> sequences, int padId, torch.Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        return Create(sequences.Select(EncodedText.SingleSegment).ToList(), padId, device);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Ids.Dispose();
        Mask.Dispose();
        TypeIds.Dispose();
    }
}
