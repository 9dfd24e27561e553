using TorchSharp.Modules;
using static TorchSharp.torch;
using Microsoft.ML.TempBalance.Runtime;

namespace Microsoft.ML.TempBalance.Text.Modules;

/// <summary>dense → dropout → LayerNorm(x + residual): Hugging Face's RobertaSelfOutput and RobertaOutput.</summary>
internal sealed class EncoderSublayerOutput : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear dense;
#pragma warning disable IDE1006 // Hugging Face parameter name
    private readonly LayerNorm LayerNorm;
#pragma warning restore IDE1006
    private readonly Dropout dropout;

    public EncoderSublayerOutput(long input, EncoderConfig config)
        : base(nameof(EncoderSublayerOutput))
    {
        dense = nn.Linear(input, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        dropout = nn.Dropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor residual)
    {
        using var scope = NewDisposeScope();
        return LayerNorm.forward(dropout.forward(dense.forward(x)).add(residual, StableScalars.One)).MoveToOuterDisposeScope();
    }
}
