using Microsoft.ML.TempBalance.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.TempBalance.Tests.Training;

/// <summary>Regression of a fixed random teacher MLP: inputs [n, in], targets [n, out]; validation = MSE on held-out rows.</summary>
internal sealed class RegressionTask : ITrainingTask, IDisposable
{
    private readonly Tensor _x;
    private readonly Tensor _y;
    private readonly Tensor _validX;
    private readonly Tensor _validY;

    public RegressionTask(int examples, int input, int output, int seed)
    {
        var generator = new Generator((ulong)seed);
        Tensor teacher = randn(new long[] { input, output }, generator: generator);
        Tensor all = randn(new long[] { examples + 32, input }, generator: generator);
        Tensor targets = all.matmul(teacher).tanh();
        _x = all[..examples].clone();
        _y = targets[..examples].clone();
        _validX = all[examples..].clone();
        _validY = targets[examples..].clone();
    }

    public int ExampleCount => (int)_x.shape[0];

    public int LossCalls { get; private set; }

    public Tensor Loss(nn.Module model, IReadOnlyList<int> batch)
    {
        LossCalls++;
        using Tensor index = tensor(batch.Select(i => (long)i).ToArray());
        var m = (nn.Module<Tensor, Tensor>)model;
        return nn.functional.mse_loss(m.forward(_x.index_select(0, index)), _y.index_select(0, index));
    }

    public ValidationResult? Validate(nn.Module model)
    {
        var m = (nn.Module<Tensor, Tensor>)model;
        using Tensor loss = nn.functional.mse_loss(m.forward(_validX), _validY);
        return new ValidationResult(loss.item<float>(), HigherIsBetter: false, "mse");
    }

    public double FullLoss(nn.Module<Tensor, Tensor> model)
    {
        using var noGrad = no_grad();
        using Tensor loss = nn.functional.mse_loss(model.forward(_x), _y);
        return loss.item<float>();
    }

    public void Dispose()
    {
        _x.Dispose();
        _y.Dispose();
        _validX.Dispose();
        _validY.Dispose();
    }
}

/// <summary>Token classification where the label is whether token 1 occurs in the sequence.</summary>
internal sealed class TokenTask : ITrainingTask, IDisposable
{
    private readonly Tensor _tokens;
    private readonly Tensor _labels;

    public TokenTask(int examples, int length, int vocabulary, int seed)
    {
        var generator = new Generator((ulong)seed);
        _tokens = randint(2, vocabulary, new long[] { examples, length }, generator: generator);
        Tensor marks = rand(new long[] { examples }, generator: generator) < 0.5;
        _tokens[marks, 0] = tensor(1L);
        _labels = marks.to(int64);
    }

    public int ExampleCount => (int)_tokens.shape[0];

    public Tensor Loss(nn.Module model, IReadOnlyList<int> batch)
    {
        using Tensor index = tensor(batch.Select(i => (long)i).ToArray());
        var m = (nn.Module<Tensor, Tensor>)model;
        return nn.functional.cross_entropy(m.forward(_tokens.index_select(0, index)), _labels.index_select(0, index));
    }

    public ValidationResult? Validate(nn.Module model) => null;

    public double FullLoss(nn.Module<Tensor, Tensor> model)
    {
        using var noGrad = no_grad();
        using Tensor loss = nn.functional.cross_entropy(model.forward(_tokens), _labels);
        return loss.item<float>();
    }

    public void Dispose()
    {
        _tokens.Dispose();
        _labels.Dispose();
    }
}
