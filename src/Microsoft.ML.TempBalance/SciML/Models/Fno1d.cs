using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.TempBalance.SciML.Models;

/// <summary>
/// PDEBench's FNO1d: lift [frames·channels + grid] → width (fc0), zero-pad on the right, 4 x (spectral conv +
/// 1x1 conv), GELU after the first three, crop, project width → 128 → channels (fc1, GELU, fc2).
/// Input [batch, x, initialStep·channels] and grid [batch, x, 1]; output [batch, x, 1, channels] (one step).
/// </summary>
public sealed class Fno1d : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear fc0;
    private readonly SpectralConv1d conv0;
    private readonly SpectralConv1d conv1;
    private readonly SpectralConv1d conv2;
    private readonly SpectralConv1d conv3;
    private readonly Conv1d w0;
    private readonly Conv1d w1;
    private readonly Conv1d w2;
    private readonly Conv1d w3;
    private readonly Linear fc1;
    private readonly Linear fc2;

    /// <summary>Builds the model.</summary>
    public Fno1d(FnoOptions options)
        : base(nameof(Fno1d))
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate(1);
        int width = options.Width;
        fc0 = nn.Linear(options.InitialStep * options.Channels + 1, width);
        conv0 = new SpectralConv1d(width, width, options.Modes);
        conv1 = new SpectralConv1d(width, width, options.Modes);
        conv2 = new SpectralConv1d(width, width, options.Modes);
        conv3 = new SpectralConv1d(width, width, options.Modes);
        w0 = nn.Conv1d(width, width, 1);
        w1 = nn.Conv1d(width, width, 1);
        w2 = nn.Conv1d(width, width, 1);
        w3 = nn.Conv1d(width, width, 1);
        fc1 = nn.Linear(width, 128);
        fc2 = nn.Linear(128, options.Channels);
        RegisterComponents();
    }

    /// <summary>The architecture.</summary>
    public FnoOptions Options { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input, Tensor grid)
    {
        using var scope = NewDisposeScope();
        Tensor x = fc0.forward(cat(new[] { input, grid }, -1)).permute(0, 2, 1);
        x = nn.functional.pad(x, new long[] { 0, Options.Padding });
        var layers = new (SpectralConv1d Spectral, Conv1d Pointwise)[] { (conv0, w0), (conv1, w1), (conv2, w2), (conv3, w3) };
        for (int k = 0; k < layers.Length; k++)
        {
            x = layers[k].Spectral.forward(x) + layers[k].Pointwise.forward(x);
            if (k < layers.Length - 1)
            {
                x = nn.functional.gelu(x);
            }
        }

        x = x.narrow(-1, 0, x.shape[^1] - Options.Padding).permute(0, 2, 1);
        x = fc2.forward(nn.functional.gelu(fc1.forward(x)));
        return x.unsqueeze(-2).MoveToOuterDisposeScope();
    }
}
