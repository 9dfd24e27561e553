using TorchSharp.Modules;
using static TorchSharp.torch;
using Microsoft.ML.TempBalance.Runtime;

namespace Microsoft.ML.TempBalance.Text.Modules;

/// <summary>One post-LayerNorm encoder block (BERT and RoBERTa alike): attention (self + output), intermediate (dense + activation), output.</summary>
internal sealed class EncoderLayer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly EncoderAttention attention;
    private readonly EncoderIntermediate intermediate;
    private readonly EncoderSublayerOutput output;

    public EncoderLayer(EncoderConfig config, LoraOptions? lora)
        : base(nameof(EncoderLayer))
    {
        attention = new EncoderAttention(config, lora);
        intermediate = new EncoderIntermediate(config);
        output = new EncoderSublayerOutput(config.IntermediateSize, config);
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
internal sealed class EncoderAttention : nn.Module<Tensor, Tensor, Tensor>
{
#pragma warning disable IDE1006 // Hugging Face parameter name ("self")
    private readonly EncoderSelfAttention self;
#pragma warning restore IDE1006
    private readonly EncoderSublayerOutput output;

    public EncoderAttention(EncoderConfig config, LoraOptions? lora)
        : base(nameof(EncoderAttention))
    {
        self = new EncoderSelfAttention(config, lora);
        output = new EncoderSublayerOutput(config.HiddenSize, config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor additiveMask)
    {
        using var scope = NewDisposeScope();
        return output.forward(self.forward(hidden, additiveMask), hidden).MoveToOuterDisposeScope();
    }
}

/// <summary>dense → the configured activation (<c>hidden_act</c>).</summary>
internal sealed class EncoderIntermediate : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly string _activation;

    public EncoderIntermediate(EncoderConfig config)
        : base(nameof(EncoderIntermediate))
    {
        dense = nn.Linear(config.HiddenSize, config.IntermediateSize);
        _activation = config.HiddenAct;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor h = dense.forward(x);
        Tensor activated = _activation switch
        {
            "gelu" => nn.functional.gelu(h),
            "gelu_new" or "gelu_pytorch_tanh" => GeluTanh(h),
            "relu" => nn.functional.relu(h),
            "silu" or "swish" => nn.functional.silu(h),
            _ => throw new NotSupportedException($"hidden_act '{_activation}' is not supported."),
        };
        return activated.MoveToOuterDisposeScope();
    }

    // Hugging Face's NewGELUActivation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
    private static Tensor GeluTanh(Tensor x) =>
        x.mul(StableScalars.Of(0.5)).mul(x.pow(StableScalars.Of(3L)).mul(StableScalars.Of(0.044715)).add(x, StableScalars.One)
            .mul(StableScalars.Of(Math.Sqrt(2.0 / Math.PI))).tanh().add(StableScalars.Of(1.0), StableScalars.One));
}
