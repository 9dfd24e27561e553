using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.TempBalance.SciML.Models;

/// <summary>
/// PDEBench's FNO2d (the model ModelBalancing balances): lift [frames·channels + 2 grid] → width, zero-pad right
/// and bottom, 4 x (2D spectral conv + 1x1 conv), GELU after the first three, crop, project → 128 → channels.
/// Input [batch, x, y, initialStep·channels] and grid [batch, x, y, 2]; output [batch, x, y, 1, channels].
/// </summary>
public sealed class Fno2d : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear fc0;
    private readonly SpectralConv2d conv0;
    private readonly SpectralConv2d conv1;
    private readonly SpectralConv2d conv2;
    private readonly SpectralConv2d conv3;
    private readonly Conv2d w0;
    private readonly Conv2d w1;
    private readonly Conv2d w2;
    private readonly Conv2d w3;
    private readonly Linear fc1;
    private readonly Linear fc2;

    /// <summary>Builds the model.</summary>
    public Fno2d(FnoOptions options)
        : base(nameof(Fno2d))
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate(2);
        int width = options.Width;
        fc0 = nn.Linear(options.InitialStep * options.Channels + 2, width);
        conv0 = new SpectralConv2d(width, width, options.Modes);
        conv1 = new SpectralConv2d(width, width, options.Modes);
        conv2 = new SpectralConv2d(width, width, options.Modes);
        conv3 = new SpectralConv2d(width, width, options.Modes);
        w0 = nn.Conv2d(width, width, 1);
        w1 = nn.Conv2d(width, width, 1);
        w2 = nn.Conv2d(width, width, 1);
        w3 = nn.Conv2d(width, width, 1);
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
        Tensor x = fc0.forward(cat(new[] { input, grid }, -1)).permute(0, 3, 1, 2);
        x = nn.functional.pad(x, new long[] { 0, Options.Padding, 0, Options.Padding });
        var layers = new (SpectralConv2d Spectral, Conv2d Pointwise)[] { (conv0, w0), (conv1, w1), (conv2, w2), (conv3, w3) };
        for (int k = 0; k < layers.Length; k++)
        {
            x = layers[k].Spectral.forward(x) + layers[k].Pointwise.forward(x);
            if (k < layers.Length - 1)
            {
                x = nn.functional.gelu(x);
            }
        }

        x = x.narrow(-2, 0, x.shape[^2] - Options.Padding).narrow(-1, 0, x.shape[^1] - Options.Padding).permute(0, 2, 3, 1);
        x = fc2.forward(nn.functional.gelu(fc1.forward(x)));
        return x.unsqueeze(-2).MoveToOuterDisposeScope();
    }
}
