using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Microsoft.ML.TempBalance.Runtime;

namespace Microsoft.ML.TempBalance.SciML.Models;

/// <summary>
/// PDEBench's FNO in 1 or 2 space dimensions (<see cref="Fno1d"/>, <see cref="Fno2d"/>): lift [frames·channels +
/// grid] → width (fc0), zero-pad at the end of each space axis, 4 x (spectral conv + 1x1 conv), GELU after the first
/// three, crop, project width → 128 → channels (fc1, GELU, fc2). Parameter names are PDEBench's.
/// </summary>
public abstract class FnoModel : nn.Module<Tensor, Tensor, Tensor>
{
    // Not private: TorchSharp registers the fields it finds by reflection on the derived type, which skips private
    // fields of a base class. The names are PDEBench's parameter names.
    private protected readonly Linear fc0;
    private protected readonly nn.Module<Tensor, Tensor> conv0;
    private protected readonly nn.Module<Tensor, Tensor> conv1;
    private protected readonly nn.Module<Tensor, Tensor> conv2;
    private protected readonly nn.Module<Tensor, Tensor> conv3;
    private protected readonly nn.Module<Tensor, Tensor> w0;
    private protected readonly nn.Module<Tensor, Tensor> w1;
    private protected readonly nn.Module<Tensor, Tensor> w2;
    private protected readonly nn.Module<Tensor, Tensor> w3;
    private protected readonly Linear fc1;
    private protected readonly Linear fc2;
    private readonly int _dims;

    // Construction order = PDEBench's, so a seed gives the same initial weights as before.
    private protected FnoModel(string name, FnoOptions options, int dims, Func<int, int, nn.Module<Tensor, Tensor>> spectral, Func<int, nn.Module<Tensor, Tensor>> pointwise)
        : base(name)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate(dims);
        _dims = dims;
        int width = options.Width;
        fc0 = nn.Linear(options.InitialStep * options.Channels + dims, width);
        conv0 = spectral(width, options.Modes);
        conv1 = spectral(width, options.Modes);
        conv2 = spectral(width, options.Modes);
        conv3 = spectral(width, options.Modes);
        w0 = pointwise(width);
        w1 = pointwise(width);
        w2 = pointwise(width);
        w3 = pointwise(width);
        fc1 = nn.Linear(width, 128);
        fc2 = nn.Linear(128, options.Channels);
        RegisterComponents();
    }

    /// <summary>The architecture.</summary>
    public FnoOptions Options { get; }

    /// <summary>Input [batch, space..., initialStep·channels] and grid [batch, space..., dims]; output [batch, space..., 1, channels] (one step).</summary>
    public override Tensor forward(Tensor input, Tensor grid)
    {
        using var scope = NewDisposeScope();
        long[] channelsFirst = new long[] { 0, _dims + 1 }.Concat(Enumerable.Range(1, _dims).Select(i => (long)i)).ToArray();
        long[] channelsLast = new long[] { 0 }.Concat(Enumerable.Range(2, _dims).Select(i => (long)i)).Append(1).ToArray();
        Tensor x = fc0.forward(cat(new[] { input, grid }, -1)).permute(channelsFirst);
        x = nn.functional.pad(x, Enumerable.Range(0, _dims).SelectMany(_ => new long[] { 0, Options.Padding }).ToArray());
        var layers = new[] { (conv0, w0), (conv1, w1), (conv2, w2), (conv3, w3) };
        for (int k = 0; k < layers.Length; k++)
        {
            x = layers[k].Item1.forward(x).add(layers[k].Item2.forward(x), StableScalars.One);
            if (k < layers.Length - 1)
            {
                x = nn.functional.gelu(x);
            }
        }

        for (int axis = 2; axis < 2 + _dims; axis++)
        {
            x = x.narrow(axis, 0, x.shape[axis] - Options.Padding);
        }

        x = fc2.forward(nn.functional.gelu(fc1.forward(x.permute(channelsLast))));
        return x.unsqueeze(-2).MoveToOuterDisposeScope();
    }
}
