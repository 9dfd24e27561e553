using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.TempBalance.Text.Modules;

/// <summary>
/// Hugging Face's BertForSequenceClassification: the encoder, the pooler (dense → tanh on <c>[CLS]</c>), dropout and
/// one Linear <c>classifier</c>. Returns logits [batch, labels] (labels = 1: a regression score). Parameter names
/// are the checkpoint's (<c>bert.encoder.layer.0.attention.self.query.weight</c>, <c>bert.pooler.dense.weight</c>,
/// <c>classifier.weight</c>).
/// </summary>
public sealed class BertForSequenceClassification : EncoderForSequenceClassification
{
    private readonly EncoderModel bert;
    private readonly Dropout dropout;
    private readonly Linear classifier;

    /// <summary>Builds the model with PyTorch's default initialisation; see <see cref="EncoderForSequenceClassification.InitializeWeights"/>.</summary>
    /// <param name="config">Architecture (family BERT).</param>
    /// <param name="labels">Outputs of the head (1 for regression).</param>
    /// <param name="lora">LoRA adapters on the attention projections; null for full fine-tuning.</param>
    public BertForSequenceClassification(EncoderConfig config, int labels, LoraOptions? lora = null)
        : base(nameof(BertForSequenceClassification), EncoderFamily.Bert, config, labels, lora)
    {
        bert = new EncoderModel(config, lora, withPooler: true);
        dropout = nn.Dropout(config.ClassifierDropout ?? config.HiddenDropoutProb);
        classifier = nn.Linear(config.HiddenSize, labels);
        RegisterComponents();
        FreezeForLora();
    }

    /// <inheritdoc />
    public override string BasePrefix => "bert.";

    // Sentence-embedding exports often drop the pooler; Hugging Face then initialises it, as for the head.
    internal override bool IsOptional(string parameterName) =>
        parameterName.StartsWith("classifier.", StringComparison.Ordinal) || parameterName.StartsWith("bert.pooler.", StringComparison.Ordinal);

    /// <summary>Logits for token ids, attention mask and token types, each [batch, length].</summary>
    public override Tensor forward(Tensor ids, Tensor mask, Tensor types)
    {
        using var scope = NewDisposeScope();
        Tensor hidden = bert.forward(ids, mask, types);
        return classifier.forward(dropout.forward(bert.Pool(hidden))).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor LastHiddenState(Tensor ids, Tensor mask, Tensor types) => bert.forward(ids, mask, types);
}
