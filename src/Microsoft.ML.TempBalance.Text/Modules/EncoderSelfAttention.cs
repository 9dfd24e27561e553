using TorchSharp.Modules;
using static TorchSharp.torch;
using Microsoft.ML.TempBalance.Runtime;

namespace Microsoft.ML.TempBalance.Text.Modules;

/// <summary>Multi-head scaled dot-product attention with an additive mask ([batch, 1, 1, length]).</summary>
internal sealed class EncoderSelfAttention : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> query;
    private readonly nn.Module<Tensor, Tensor> key;
    private readonly nn.Module<Tensor, Tensor> value;
    private readonly Dropout dropout;
    private readonly int _heads;

    public EncoderSelfAttention(EncoderConfig config, LoraOptions? lora)
        : base(nameof(EncoderSelfAttention))
    {
        nn.Module<Tensor, Tensor> Projection(string name) => lora is not null && lora.TargetModules.Contains(name)
            ? new LoraLinear(config.HiddenSize, config.HiddenSize, lora)
            : nn.Linear(config.HiddenSize, config.HiddenSize);
        query = Projection("query");
        key = Projection("key");
        value = Projection("value");
        dropout = nn.Dropout(config.AttentionProbsDropoutProb);
        _heads = config.NumAttentionHeads;
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor additiveMask)
    {
        using var scope = NewDisposeScope();
        long batch = hidden.shape[0], length = hidden.shape[1], size = hidden.shape[2] / _heads;
        Tensor Heads(Tensor t) => t.view(batch, length, _heads, size).transpose(1, 2);
        Tensor scores = Heads(query.forward(hidden)).matmul(Heads(key.forward(hidden)).transpose(-1, -2)).div(StableScalars.Of(Math.Sqrt(size))).add(additiveMask, StableScalars.One);
        Tensor context = dropout.forward(scores.softmax(-1)).matmul(Heads(value.forward(hidden)));
        return context.transpose(1, 2).reshape(batch, length, hidden.shape[2]).MoveToOuterDisposeScope();
    }
}
