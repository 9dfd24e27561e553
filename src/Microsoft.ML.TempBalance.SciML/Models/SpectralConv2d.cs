using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.TempBalance.SciML.Models;

/// <summary>
/// FNO's 2D spectral convolution: rfft2, two complex weights multiply the corners [:m1, :m2] and [−m1:, :m2], the
/// rest is zeroed, irfft2. Weights are stored as real pairs (in, out, m1, m2, 2).
/// </summary>
internal sealed class SpectralConv2d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weights1;
    private readonly Parameter weights2;
    private readonly int _modes;

    public SpectralConv2d(int inChannels, int outChannels, int modes)
        : base(nameof(SpectralConv2d))
    {
        _modes = modes;
        double scale = 1.0 / (inChannels * outChannels);
        weights1 = new Parameter(rand(new long[] { inChannels, outChannels, modes, modes, 2 }).mul_(scale));
        weights2 = new Parameter(rand(new long[] { inChannels, outChannels, modes, modes, 2 }).mul_(scale));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long height = x.shape[^2], width = x.shape[^1];
        int m1 = (int)Math.Min(_modes, height / 2);
        int m2 = (int)Math.Min(_modes, width / 2 + 1);
        Tensor spectrum = fft.rfft2(x);
        Tensor output = zeros(x.shape[0], weights1.shape[1], height, width / 2 + 1, ScalarType.ComplexFloat32, x.device);
        Tensor w1 = view_as_complex(weights1).narrow(2, 0, m1).narrow(3, 0, m2);
        Tensor w2 = view_as_complex(weights2).narrow(2, 0, m1).narrow(3, 0, m2);
        output.narrow(2, 0, m1).narrow(3, 0, m2).copy_(einsum("bixy,ioxy->boxy", spectrum.narrow(2, 0, m1).narrow(3, 0, m2), w1));
        output.narrow(2, height - m1, m1).narrow(3, 0, m2).copy_(einsum("bixy,ioxy->boxy", spectrum.narrow(2, height - m1, m1).narrow(3, 0, m2), w2));
        return fft.irfft2(output, new[] { height, width }).MoveToOuterDisposeScope();
    }
}
