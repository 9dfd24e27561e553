using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.TempBalance.Text.Modules;

/// <summary>One post-LayerNorm encoder block: attention (self + output), intermediate (dense + erf GELU), output.</summary>
internal sealed class RobertaLayer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly RobertaAttention attention;
    private readonly RobertaIntermediate intermediate;
    private readonly RobertaSublayerOutput output;

    public RobertaLayer(RobertaConfig config, LoraOptions? lora)
        : base(nameof(RobertaLayer))
    {
        attention = new RobertaAttention(config, lora);
        intermediate = new RobertaIntermediate(config);
        output = new RobertaSublayerOutput(config.IntermediateSize, config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor additiveMask)
    {
        using var scope = NewDisposeScope();
        Tensor attended = attention.forward(hidden, additiveMask);
        return output.forward(intermediate.forward(attended), attended).MoveToOuterDisposeScope();
    }
}

/// <summary>Self-attention followed by its output sub-layer.</summary>
internal sealed class RobertaAttention : nn.Module<Tensor, Tensor, Tensor>
{
#pragma warning disable IDE1006 // Hugging Face parameter name ("self")
    private readonly RobertaSelfAttention self;
#pragma warning restore IDE1006
    private readonly RobertaSublayerOutput output;

    public RobertaAttention(RobertaConfig config, LoraOptions? lora)
        : base(nameof(RobertaAttention))
    {
        self = new RobertaSelfAttention(config, lora);
        output = new RobertaSublayerOutput(config.HiddenSize, config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor additiveMask)
    {
        using var scope = NewDisposeScope();
        return output.forward(self.forward(hidden, additiveMask), hidden).MoveToOuterDisposeScope();
    }
}

/// <summary>dense → exact (erf) GELU.</summary>
internal sealed class RobertaIntermediate : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense;

    public RobertaIntermediate(RobertaConfig config)
        : base(nameof(RobertaIntermediate))
    {
        dense = nn.Linear(config.HiddenSize, config.IntermediateSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return nn.functional.gelu(dense.forward(x)).MoveToOuterDisposeScope();
    }
}
