// Quickstart: builds a small TorchSharp model, saves it as safetensors, reloads it into a fresh model and
// prints the layer shapes and a check that the reloaded model computes the same outputs.
using Microsoft.ML.TempBalance.Checkpoints;
using Microsoft.ML.TempBalance.Runtime;
using TorchSharp;
using static TorchSharp.torch.nn;

TorchRuntime.SetThreadCount(2);
torch.manual_seed(42);

static Module<torch.Tensor, torch.Tensor> BuildModel() => Sequential(
    ("fc1", Linear(16, 64)),
    ("act", GELU()),
    ("norm", LayerNorm(64)),
    ("fc2", Linear(64, 3)));

using var model = BuildModel();
string path = Path.Combine(args.Length > 0 ? args[0] : Path.GetTempPath(), "tempbalance-quickstart.safetensors");
ModuleCheckpoint.Save(model, path, new Dictionary<string, string> { ["format"] = "pt", ["source"] = "quickstart" });
Console.WriteLine($"Saved {path} ({new FileInfo(path).Length:N0} bytes)");

using var reloaded = BuildModel();
ModuleCheckpoint.Load(reloaded, path);

using (var reader = SafetensorsReader.Open(path))
{
    Console.WriteLine($"{"tensor",-14} {"dtype",-6} shape");
    foreach (SafetensorsTensorInfo tensor in reader.Tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
    {
        Console.WriteLine($"{tensor.Name,-14} {tensor.DType,-6} {tensor.ShapeText}");
    }
}

using var input = torch.randn(5, 16);
model.eval();
reloaded.eval();
using var expected = model.forward(input);
using var actual = reloaded.forward(input);
double difference = (expected - actual).abs().max().item<float>();
Console.WriteLine($"max |original - reloaded| over a batch of 5: {difference}");
return difference == 0 ? 0 : 1;
