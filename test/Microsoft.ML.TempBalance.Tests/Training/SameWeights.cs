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
            Microsoft.VisualStudio.TestTools.UnitTesting.Assert.IsTrue(
                tensor.shape.SequenceEqual(other.shape) && tensor.eq(other).all().item<bool>(),
                $"{what}: '{name}' differs (max |diff| {(tensor - other).abs().max().item<float>():G3})");
        }
    }
}
