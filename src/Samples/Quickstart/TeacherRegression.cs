using Microsoft.ML.TempBalance.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.TempBalance.Samples.Quickstart;

/// <summary>
/// Built-in data: inputs x ~ N(0, I) in 32 dimensions, targets from a fixed random two-layer teacher network.
/// Few training examples and many validation examples: the low-data regime TempBalance is meant for.
/// </summary>
internal sealed class TeacherRegression : ITrainingTask, IDisposable
{
    private readonly Tensor _x;
    private readonly Tensor _y;
    private readonly Tensor _validX;
    private readonly Tensor _validY;

    public TeacherRegression(int trainExamples, int validationExamples, int seed)
    {
        var generator = new Generator((ulong)seed);
        using Tensor w1 = randn(new long[] { 32, 64 }, generator: generator) / Math.Sqrt(32);
        using Tensor w2 = randn(new long[] { 64, 4 }, generator: generator) / Math.Sqrt(64);
        using Tensor x = randn(new long[] { trainExamples + validationExamples, 32 }, generator: generator);
        using Tensor y = x.matmul(w1).tanh().matmul(w2);
        _x = x[..trainExamples].clone();
        _y = y[..trainExamples].clone();
        _validX = x[trainExamples..].clone();
        _validY = y[trainExamples..].clone();
    }

    /// <summary>The student: fc0..fc3 with 64 hidden units and GELU.</summary>
    public static nn.Module<Tensor, Tensor> BuildModel() => nn.Sequential(
        ("fc0", nn.Linear(32, 64)), ("act0", nn.GELU()),
        ("fc1", nn.Linear(64, 64)), ("act1", nn.GELU()),
        ("fc2", nn.Linear(64, 64)), ("act2", nn.GELU()),
        ("fc3", nn.Linear(64, 4)));

    public int ExampleCount => (int)_x.shape[0];

    public Tensor Loss(nn.Module model, IReadOnlyList<int> batch)
    {
        using Tensor index = tensor(batch.Select(i => (long)i).ToArray());
        return nn.functional.mse_loss(((nn.Module<Tensor, Tensor>)model).forward(_x.index_select(0, index)), _y.index_select(0, index));
    }

    public ValidationResult? Validate(nn.Module model)
    {
        using Tensor loss = nn.functional.mse_loss(((nn.Module<Tensor, Tensor>)model).forward(_validX), _validY);
        return new ValidationResult(loss.item<float>(), HigherIsBetter: false, "validation MSE");
    }

    public double MaxOutputDifference(nn.Module<Tensor, Tensor> a, nn.Module<Tensor, Tensor> b)
    {
        using var noGrad = no_grad();
        a.eval();
        b.eval();
        using Tensor difference = (a.forward(_validX) - b.forward(_validX)).abs().max();
        return difference.item<float>();
    }

    public void Dispose()
    {
        _x.Dispose();
        _y.Dispose();
        _validX.Dispose();
        _validY.Dispose();
    }
}
