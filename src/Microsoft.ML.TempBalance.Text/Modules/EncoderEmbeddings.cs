using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Microsoft.ML.TempBalance.Runtime;

namespace Microsoft.ML.TempBalance.Text.Modules;

/// <summary>
/// Word + token-type + position embeddings, LayerNorm and dropout. RoBERTa's position ids count the non-padding
/// tokens from padding_idx + 1 (Hugging Face's <c>create_position_ids_from_input_ids</c>; padding keeps padding_idx);
/// BERT's are absolute, 0 .. length − 1 for every row.
/// </summary>
internal sealed class EncoderEmbeddings : nn.Module<Tensor, Tensor, Tensor>
{
#pragma warning disable IDE1006 // Hugging Face parameter names
    private readonly Embedding word_embeddings;
    private readonly Embedding position_embeddings;
    private readonly Embedding token_type_embeddings;
    private readonly LayerNorm LayerNorm;
    private readonly Dropout dropout;
#pragma warning restore IDE1006
    private readonly long _padId;
    private readonly EncoderFamily _family;

    public EncoderEmbeddings(EncoderConfig config)
        : base(nameof(EncoderEmbeddings))
    {
        _family = config.Family;
        _padId = config.PadTokenId;
        word_embeddings = nn.Embedding(config.VocabSize, config.HiddenSize, padding_idx: config.PadTokenId);
        position_embeddings = _family == EncoderFamily.Roberta
            ? nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize, padding_idx: config.PadTokenId)
            : nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        token_type_embeddings = nn.Embedding(config.TypeVocabSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        dropout = nn.Dropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    /// <param name="ids">[batch, length] token ids.</param>
    /// <param name="types">[batch, length] token type ids.</param>
    public override Tensor forward(Tensor ids, Tensor types)
    {
        using var scope = NewDisposeScope();
        Tensor positions;
        if (_family == EncoderFamily.Roberta)
        {
            Tensor real = ids.ne(StableScalars.Of(_padId)).to(int64);
            positions = real.cumsum(1).mul(real).add(StableScalars.Of(_padId), StableScalars.One);
        }
        else
        {
            positions = arange(StableScalars.Of(0L), StableScalars.Of(ids.shape[1]), StableScalars.One, int64, ids.device).unsqueeze(0).expand(ids.shape[0], -1);
        }

        // Scoring runs outside the engine's no-GC regions: every number reaches libtorch as a StableScalars one.
        Tensor embedded = word_embeddings.forward(ids).add(token_type_embeddings.forward(types), StableScalars.One).add(position_embeddings.forward(positions), StableScalars.One);
        return dropout.forward(LayerNorm.forward(embedded)).MoveToOuterDisposeScope();
    }
}
