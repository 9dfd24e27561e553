using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.TempBalance.Text.Modules;

/// <summary>
/// Word + token-type + position embeddings, LayerNorm and dropout. Position ids count the non-padding tokens
/// from padding_idx + 1 (Hugging Face's <c>create_position_ids_from_input_ids</c>); padding keeps padding_idx.
/// </summary>
internal sealed class RobertaEmbeddings : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Hugging Face parameter names
    private readonly Embedding word_embeddings;
    private readonly Embedding position_embeddings;
    private readonly Embedding token_type_embeddings;
    private readonly LayerNorm LayerNorm;
    private readonly Dropout dropout;
#pragma warning restore IDE1006
    private readonly long _padId;

    public RobertaEmbeddings(RobertaConfig config)
        : base(nameof(RobertaEmbeddings))
    {
        word_embeddings = nn.Embedding(config.VocabSize, config.HiddenSize, padding_idx: config.PadTokenId);
        position_embeddings = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize, padding_idx: config.PadTokenId);
        token_type_embeddings = nn.Embedding(config.TypeVocabSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        dropout = nn.Dropout(config.HiddenDropoutProb);
        _padId = config.PadTokenId;
        RegisterComponents();
    }

    public override Tensor forward(Tensor ids)
    {
        using var scope = NewDisposeScope();
        Tensor real = ids.ne(_padId).to(int64);
        Tensor positions = real.cumsum(1).mul(real).add(_padId);
        Tensor types = zeros_like(ids);
        Tensor embedded = word_embeddings.forward(ids) + token_type_embeddings.forward(types) + position_embeddings.forward(positions);
        return dropout.forward(LayerNorm.forward(embedded)).MoveToOuterDisposeScope();
    }
}
