using TorchSharp.Modules;
using static TorchSharp.torch;
using Microsoft.ML.TempBalance.Runtime;

namespace Microsoft.ML.TempBalance.Text.Modules;

/// <summary>
/// Embeddings and the encoder stack (<c>encoder.layer.N</c>), and for BERT the pooler (<c>pooler.dense</c> → tanh on
/// the first token): Hugging Face's RobertaModel (without pooler) and BertModel.
/// </summary>
internal sealed class EncoderModel : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly EncoderEmbeddings embeddings;
    private readonly EncoderStack encoder;
    private readonly EncoderPooler? pooler;

    public EncoderModel(EncoderConfig config, LoraOptions? lora, bool withPooler)
        : base(nameof(EncoderModel))
    {
        embeddings = new EncoderEmbeddings(config);
        encoder = new EncoderStack(config, lora);
        pooler = withPooler ? new EncoderPooler(config) : null;
        RegisterComponents();
    }

    /// <summary>The last hidden states [batch, length, hidden].</summary>
    /// <param name="ids">[batch, length] token ids.</param>
    /// <param name="mask">[batch, length], 1 for tokens and 0 for padding.</param>
    /// <param name="types">[batch, length] token type ids.</param>
    public override Tensor forward(Tensor ids, Tensor mask, Tensor types)
    {
        using var scope = NewDisposeScope();
        Tensor hidden = embeddings.forward(ids, types);
        // Hugging Face's extended mask: 0 where attended, the dtype's lowest value where masked.
        Tensor attended = mask.to(hidden.dtype);
        Tensor additive = ones_like(attended).sub(attended).mul(StableScalars.Of(hidden.dtype == float64 ? double.MinValue : float.MinValue)).unsqueeze(1).unsqueeze(1);
        return encoder.forward(hidden, additive).MoveToOuterDisposeScope();
    }

    /// <summary>The pooled first token [batch, hidden] (BERT only).</summary>
    public Tensor Pool(Tensor hidden) =>
        (pooler ?? throw new InvalidOperationException("This encoder has no pooler.")).forward(hidden);
}

/// <summary>The block list.</summary>
internal sealed class EncoderStack : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<EncoderLayer> layer;

    public EncoderStack(EncoderConfig config, LoraOptions? lora)
        : base(nameof(EncoderStack))
    {
        layer = new ModuleList<EncoderLayer>(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new EncoderLayer(config, lora)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor additiveMask)
    {
        using var scope = NewDisposeScope();
        foreach (EncoderLayer block in layer)
        {
            hidden = block.forward(hidden, additiveMask);
        }

        return hidden.MoveToOuterDisposeScope();
    }
}

/// <summary>BERT's pooler: dense → tanh on the first (<c>[CLS]</c>) token.</summary>
internal sealed class EncoderPooler : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense;

    public EncoderPooler(EncoderConfig config)
        : base(nameof(EncoderPooler))
    {
        dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return dense.forward(hidden.select(1, 0)).tanh().MoveToOuterDisposeScope();
    }
}
