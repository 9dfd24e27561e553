using Microsoft.ML.TempBalance.Checkpoints;
using TorchSharp;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.TempBalance.Tests.Checkpoints;

[TestClass]
public sealed class ModuleCheckpointTests
{
    [TestMethod]
    public void AModuleRoundTripsThroughSafetensors()
    {
        using var folder = new TempFolder();
        torch.manual_seed(1);
        using var source = Sequential(("fc1", Linear(4, 8)), ("norm", LayerNorm(8)), ("fc2", Linear(8, 2)));
        torch.manual_seed(2);
        using var target = Sequential(("fc1", Linear(4, 8)), ("norm", LayerNorm(8)), ("fc2", Linear(8, 2)));
        string path = folder.File("model.safetensors");

        ModuleCheckpoint.Save(source, path);
        var (missing, unexpected) = ModuleCheckpoint.Load(target, path);

        Assert.IsEmpty(missing);
        Assert.IsEmpty(unexpected);
        foreach (var (name, tensor) in source.state_dict())
        {
            Assert.IsTrue(tensor.allclose(target.state_dict()[name], rtol: 0, atol: 0), name);
        }

        using var reader = SafetensorsReader.Open(path);
        CollectionAssert.AreEquivalent(new[] { "fc1.weight", "fc1.bias", "norm.weight", "norm.bias", "fc2.weight", "fc2.bias" },
            reader.Tensors.Select(t => t.Name).ToArray());
        Assert.AreEqual("pt", reader.Metadata["format"]);
    }

    [TestMethod]
    public void AHalfPrecisionCheckpointLoadsIntoAFloatModule()
    {
        using var folder = new TempFolder();
        using var weight = torch.tensor(new float[] { 0.5f, -1.25f, 2f, 3.5f }).reshape(2, 2).to(torch.float16);
        using var bias = torch.tensor(new float[] { 1f, -1f }).to(torch.bfloat16);
        SafetensorsWriter.Write(folder.File("h.safetensors"), new Dictionary<string, torch.Tensor> { ["weight"] = weight, ["bias"] = bias });
        using var linear = Linear(2, 2);

        ModuleCheckpoint.Load(linear, folder.File("h.safetensors"));

        CollectionAssert.AreEqual(new[] { 0.5f, -1.25f, 2f, 3.5f }, linear.weight!.data<float>().ToArray());
        CollectionAssert.AreEqual(new[] { 1f, -1f }, linear.bias!.data<float>().ToArray());
    }

    [TestMethod]
    public void AMisShapedTensorIsNamedWithBothShapes()
    {
        using var folder = new TempFolder();
        using var small = Linear(3, 2);
        ModuleCheckpoint.Save(small, folder.File("small.safetensors"));
        using var large = Linear(4, 2);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => ModuleCheckpoint.Load(large, folder.File("small.safetensors")));
        StringAssert.Contains(error.Message, "'weight' has shape [2, 3], but the module expects [2, 4]");
    }

    [TestMethod]
    public void StrictLoadingNamesMissingAndUnexpectedTensors()
    {
        using var folder = new TempFolder();
        using var w = torch.ones(2, 2);
        using var extra = torch.ones(1);
        SafetensorsWriter.Write(folder.File("p.safetensors"), new Dictionary<string, torch.Tensor> { ["weight"] = w, ["position_ids"] = extra });
        using var linear = Linear(2, 2);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => ModuleCheckpoint.Load(linear, folder.File("p.safetensors")));
        StringAssert.Contains(error.Message, "missing [bias]");
        StringAssert.Contains(error.Message, "unexpected [position_ids]");

        var (missing, unexpected) = ModuleCheckpoint.Load(linear, folder.File("p.safetensors"), strict: false);
        CollectionAssert.AreEqual(new[] { "bias" }, missing.ToArray());
        CollectionAssert.AreEqual(new[] { "position_ids" }, unexpected.ToArray());

        var companion = Assert.ThrowsExactly<InvalidDataException>(() => ModuleCheckpoint.Load(linear, folder.File("p.safetensors"), companion: name => name == "position_ids"));
        StringAssert.Contains(companion.Message, "missing [bias], unexpected []", "a companion tensor is not unexpected; the missing bias still fails");
    }
}
