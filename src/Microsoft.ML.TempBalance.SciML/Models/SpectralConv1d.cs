using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.TempBalance.SciML.Models;

/// <summary>
/// FNO's 1D spectral convolution: rfft, multiply the first <c>modes</c> coefficients by a complex (in, out) matrix
/// per mode, zero the rest, irfft. The weight is stored as real pairs (in, out, modes, 2), which makes Adam treat
/// real and imaginary parts as PyTorch does; initialised as PDEBench: (1/(in·out))·U[0, 1) for both parts.
/// </summary>
internal sealed class SpectralConv1d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weights1;
    private readonly int _modes;

    public SpectralConv1d(int inChannels, int outChannels, int modes)
        : base(nameof(SpectralConv1d))
    {
        _modes = modes;
        weights1 = new Parameter(rand(inChannels, outChannels, modes, 2).mul_(1.0 / (inChannels * outChannels)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long length = x.shape[^1];
        int modes = (int)Math.Min(_modes, length / 2 + 1);
        Tensor spectrum = fft.rfft(x);
        Tensor weight = view_as_complex(weights1).narrow(2, 0, modes);
        Tensor product = einsum("bix,iox->box", spectrum.narrow(-1, 0, modes), weight);
        Tensor output = zeros(x.shape[0], weight.shape[1], length / 2 + 1, ScalarType.ComplexFloat32, x.device);
        output.narrow(-1, 0, modes).copy_(product);
        return fft.irfft(output, length).MoveToOuterDisposeScope();
    }
}
