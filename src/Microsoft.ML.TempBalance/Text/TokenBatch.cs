using TorchSharp;

namespace Microsoft.ML.TempBalance.Text;

/// <summary>Encoded inputs padded to the batch's longest sequence: ids and attention mask, both [batch, length] int64.</summary>
public sealed class TokenBatch : IDisposable
{
    private TokenBatch(torch.Tensor ids, torch.Tensor mask)
    {
        Ids = ids;
        Mask = mask;
    }

    /// <summary>Token ids, padded with the pad id.</summary>
    public torch.Tensor Ids { get; }

    /// <summary>1 for real tokens, 0 for padding.</summary>
    public torch.Tensor Mask { get; }

    /// <summary>Pads the encoded sequences to the longest one.</summary>
    public static TokenBatch Create(IReadOnlyList<int[]> sequences, int padId, torch.Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0)
        {
            throw new ArgumentException("A batch needs at least one sequence.", nameof(sequences));
        }

        int length = sequences.Max(s => s.Length);
        var ids = new long[sequences.Count * length];
        var mask = new long[ids.Length];
        for (int row = 0; row < sequences.Count; row++)
        {
            int[] sequence = sequences[row];
            for (int col = 0; col < length; col++)
            {
                bool real = col < sequence.Length;
                ids[row * length + col] = real ? sequence[col] : padId;
                mask[row * length + col] = real ? 1 : 0;
            }
        }

        long[] shape = { sequences.Count, length };
        return new TokenBatch(torch.tensor(ids, shape, device: device), torch.tensor(mask, shape, device: device));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Ids.Dispose();
        Mask.Dispose();
    }
}
