using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.TempBalance.SciML.Models;

/// <summary>
/// PDEBench's UNet (1D or 2D): 4 encoder levels and a bottleneck with 32·2^k features, each block (Conv k3 without
/// bias → BatchNorm → Tanh) twice, max-pool 2 down, transposed conv 2 up with skip concatenation, a final 1x1 conv.
/// No grid channels. Takes the FNO layout — input [batch, space..., initialStep·channels], output
/// [batch, space..., 1, channels] — so both models share the rollout; the grid argument is ignored. Each spatial
/// size must be divisible by 16.
/// </summary>
public sealed class UNet : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Sequential encoder1;
    private readonly nn.Module<Tensor, Tensor> pool1;
    private readonly Sequential encoder2;
    private readonly nn.Module<Tensor, Tensor> pool2;
    private readonly Sequential encoder3;
    private readonly nn.Module<Tensor, Tensor> pool3;
    private readonly Sequential encoder4;
    private readonly nn.Module<Tensor, Tensor> pool4;
    private readonly Sequential bottleneck;
    private readonly nn.Module<Tensor, Tensor> upconv4;
    private readonly Sequential decoder4;
    private readonly nn.Module<Tensor, Tensor> upconv3;
    private readonly Sequential decoder3;
    private readonly nn.Module<Tensor, Tensor> upconv2;
    private readonly Sequential decoder2;
    private readonly nn.Module<Tensor, Tensor> upconv1;
    private readonly Sequential decoder1;
    private readonly nn.Module<Tensor, Tensor> conv;

    /// <summary>Builds the network.</summary>
    /// <param name="dimensions">1 or 2.</param>
    /// <param name="inputChannels">initialStep x channels.</param>
    /// <param name="outputChannels">Physical channels.</param>
    /// <param name="features">Features of the first level (PDEBench: 32; a multiple of 16, see the exception).</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// Features not a positive multiple of 16. libtorch 2.10's CPU convolutions (oneDNN 3.7, AVX2/AVX-512 kernels) work
    /// on blocks of 16 channels and, when a convolution's input channels do not fill the last block, now and then read
    /// memory they never wrote: transient NaN or garbage outputs and gradients (measured: 4 and 8 features, and 30 or
    /// 40 input channels). The input channels, which PDEBench fixes (e.g. 30 for 1D CFD), are padded instead; see
    /// <see cref="ChannelBlock"/>.
    /// </exception>
    public UNet(int dimensions, int inputChannels, int outputChannels, int features = 32)
        : base(nameof(UNet))
    {
        if (dimensions is not (1 or 2))
        {
            throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions, "UNet supports 1D and 2D data.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(inputChannels, 1);
        if (features < ChannelBlock || features % ChannelBlock != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(features), features, $"UNet needs a multiple of {ChannelBlock} features: libtorch's CPU convolutions return transient NaN or garbage when the channels do not fill their {ChannelBlock}-channel blocks.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(outputChannels, 1);
        Dimensions = dimensions;
        OutputChannels = outputChannels;
        int f = features;
        encoder1 = Block(inputChannels, f, "enc1");
        pool1 = Pool();
        encoder2 = Block(f, 2 * f, "enc2");
        pool2 = Pool();
        encoder3 = Block(2 * f, 4 * f, "enc3");
        pool3 = Pool();
        encoder4 = Block(4 * f, 8 * f, "enc4");
        pool4 = Pool();
        bottleneck = Block(8 * f, 16 * f, "bottleneck");
        upconv4 = Up(16 * f, 8 * f);
        decoder4 = Block(16 * f, 8 * f, "dec4");
        upconv3 = Up(8 * f, 4 * f);
        decoder3 = Block(8 * f, 4 * f, "dec3");
        upconv2 = Up(4 * f, 2 * f);
        decoder2 = Block(4 * f, 2 * f, "dec2");
        upconv1 = Up(2 * f, f);
        decoder1 = Block(2 * f, f, "dec1");
        conv = dimensions == 1 ? nn.Conv1d(f, outputChannels, 1) : nn.Conv2d(f, outputChannels, 1);
        RegisterComponents();
    }

    /// <summary>
    /// The channel block of libtorch's CPU convolution kernels. The first convolution's input (the stacked context
    /// frames) is padded with zero channels, and its weight with zero columns, up to a multiple of it: the same sum,
    /// without the partial block that oneDNN 3.7 mishandles (exception of the constructor). The weight keeps its
    /// PDEBench shape, so checkpoints and spectral analysis are unchanged.
    /// </summary>
    public const int ChannelBlock = 16;

    /// <summary>1 or 2.</summary>
    public int Dimensions { get; }

    /// <summary>Physical channels of the output.</summary>
    public int OutputChannels { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input, Tensor grid)
    {
        using var scope = NewDisposeScope();
        for (int axis = 1; axis <= Dimensions; axis++)
        {
            if (input.shape[axis] % 16 != 0)
            {
                throw new ArgumentException($"UNet needs every spatial size divisible by 16; axis {axis} of the input [{string.Join(", ", input.shape)}] is {input.shape[axis]}.", nameof(input));
            }
        }

        Tensor x = Dimensions == 1 ? input.permute(0, 2, 1) : input.permute(0, 3, 1, 2);
        Tensor e1 = FirstBlock(x);
        Tensor e2 = encoder2.forward(pool1.forward(e1));
        Tensor e3 = encoder3.forward(pool2.forward(e2));
        Tensor e4 = encoder4.forward(pool3.forward(e3));
        Tensor b = bottleneck.forward(pool4.forward(e4));
        Tensor d4 = decoder4.forward(cat(new[] { upconv4.forward(b), e4 }, 1));
        Tensor d3 = decoder3.forward(cat(new[] { upconv3.forward(d4), e3 }, 1));
        Tensor d2 = decoder2.forward(cat(new[] { upconv2.forward(d3), e2 }, 1));
        Tensor d1 = decoder1.forward(cat(new[] { upconv1.forward(d2), e1 }, 1));
        Tensor output = conv.forward(d1);
        output = Dimensions == 1 ? output.permute(0, 2, 1) : output.permute(0, 2, 3, 1);
        return output.unsqueeze(-2).MoveToOuterDisposeScope();
    }

    // encoder1 with its first convolution on channel-padded input and weight (ChannelBlock).
    private Tensor FirstBlock(Tensor x)
    {
        long missing = (ChannelBlock - x.shape[1] % ChannelBlock) % ChannelBlock;
        if (missing == 0)
        {
            return encoder1.forward(x);
        }

        nn.Module<Tensor, Tensor>[] layers = encoder1.children().Cast<nn.Module<Tensor, Tensor>>().ToArray();
        Tensor weight = layers[0] is Conv1d conv1 ? conv1.weight! : ((Conv2d)layers[0]).weight!;
        long[] inputPad = x.shape.ToArray();
        inputPad[1] = missing;
        long[] weightPad = weight.shape.ToArray();
        weightPad[1] = missing;
        Tensor paddedInput = cat(new[] { x, zeros(inputPad, x.dtype, x.device) }, 1);
        Tensor paddedWeight = cat(new[] { weight, zeros(weightPad, weight.dtype, weight.device) }, 1);
        Tensor y = Dimensions == 1
            ? nn.functional.conv1d(paddedInput, paddedWeight, padding: 1)
            : nn.functional.conv2d(paddedInput, paddedWeight, padding: new long[] { 1, 1 });
        foreach (nn.Module<Tensor, Tensor> layer in layers.Skip(1))
        {
            y = layer.forward(y);
        }

        return y;
    }

    private Sequential Block(int inputs, int outputs, string name)
    {
        nn.Module<Tensor, Tensor> Conv(int i) => Dimensions == 1 ? nn.Conv1d(i, outputs, 3, padding: 1, bias: false) : nn.Conv2d(i, outputs, 3, padding: 1, bias: false);
        nn.Module<Tensor, Tensor> Norm() => Dimensions == 1 ? nn.BatchNorm1d(outputs) : nn.BatchNorm2d(outputs);
        return nn.Sequential(
            ($"{name}conv1", Conv(inputs)), ($"{name}norm1", Norm()), ($"{name}tanh1", nn.Tanh()),
            ($"{name}conv2", Conv(outputs)), ($"{name}norm2", Norm()), ($"{name}tanh2", nn.Tanh()));
    }

    private nn.Module<Tensor, Tensor> Pool() => Dimensions == 1 ? nn.MaxPool1d(2, 2) : nn.MaxPool2d(2, 2);

    private nn.Module<Tensor, Tensor> Up(int inputs, int outputs) =>
        Dimensions == 1 ? nn.ConvTranspose1d(inputs, outputs, 2, stride: 2) : nn.ConvTranspose2d(inputs, outputs, 2, stride: 2);
}
