using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Training;

/// <summary>Bit-for-bit comparison of two state dicts (the claim of resumed training).</summary>
internal static class SameWeights
{
    public static void Assert(IReadOnlyDictionary<string, torch.Tensor> expected, IReadOnlyDictionary<string, torch.Tensor> actual, string what)
    {
        CollectionAssert.AreEquivalent(expected.Keys.ToArray(), actual.Keys.ToArray(), what);
        foreach ((string name, torch.Tensor tensor) in expected)
        {
            torch.Tensor other = actual[name];
            bool same = tensor.dtype == other.dtype && tensor.shape.SequenceEqual(other.shape) && Bytes(tensor).AsSpan().SequenceEqual(Bytes(other));
            if (!same)
            {
                Microsoft.VisualStudio.TestTools.UnitTesting.Assert.Fail($"{what}: '{name}' differs ({tensor.dtype} [{string.Join(", ", tensor.shape)}] vs {other.dtype} [{string.Join(", ", other.shape)}])");
            }
        }
    }

    private static byte[] Bytes(torch.Tensor tensor)
    {
        using torch.Tensor dense = tensor.detach().cpu().contiguous();
        return dense.bytes.ToArray();
    }
}
