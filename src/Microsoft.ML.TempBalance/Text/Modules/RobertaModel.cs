using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.TempBalance.Text.Modules;

/// <summary>Embeddings and the encoder stack (<c>encoder.layer.N</c>); returns the last hidden states.</summary>
internal sealed class RobertaModel : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly RobertaEmbeddings embeddings;
    private readonly RobertaEncoder encoder;

    public RobertaModel(RobertaConfig config, LoraOptions? lora)
        : base(nameof(RobertaModel))
    {
        embeddings = new RobertaEmbeddings(config);
        encoder = new RobertaEncoder(config, lora);
        RegisterComponents();
    }

    /// <param name="ids">[batch, length] token ids.</param>
    /// <param name="mask">[batch, length], 1 for tokens and 0 for padding.</param>
    public override Tensor forward(Tensor ids, Tensor mask)
    {
        using var scope = NewDisposeScope();
        Tensor hidden = embeddings.forward(ids);
        // Hugging Face's extended mask: 0 where attended, the dtype's lowest value where masked.
        Tensor additive = (1.0 - mask.to(hidden.dtype)).mul(hidden.dtype == float64 ? double.MinValue : float.MinValue).unsqueeze(1).unsqueeze(1);
        return encoder.forward(hidden, additive).MoveToOuterDisposeScope();
    }
}

/// <summary>The block list.</summary>
internal sealed class RobertaEncoder : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<RobertaLayer> layer;

    public RobertaEncoder(RobertaConfig config, LoraOptions? lora)
        : base(nameof(RobertaEncoder))
    {
        layer = new ModuleList<RobertaLayer>(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new RobertaLayer(config, lora)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor additiveMask)
    {
        using var scope = NewDisposeScope();
        foreach (RobertaLayer block in layer)
        {
            hidden = block.forward(hidden, additiveMask);
        }

        return hidden.MoveToOuterDisposeScope();
    }
}
