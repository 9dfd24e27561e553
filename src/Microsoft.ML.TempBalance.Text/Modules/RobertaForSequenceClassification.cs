using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.TempBalance.Text.Modules;

/// <summary>
/// Hugging Face's RobertaForSequenceClassification: the encoder, then dropout → dense → tanh → dropout → out_proj
/// on the <c>&lt;s&gt;</c> state. Returns logits [batch, labels] (labels = 1: a regression score). Parameter names
/// are the checkpoint's (<c>roberta.encoder.layer.0.attention.self.query.weight</c>, <c>classifier.out_proj.bias</c>).
/// </summary>
public sealed class RobertaForSequenceClassification : EncoderForSequenceClassification
{
    private readonly EncoderModel roberta;
    private readonly ClassificationHead classifier;

    /// <summary>Builds the model with PyTorch's default initialisation; see <see cref="EncoderForSequenceClassification.InitializeWeights"/>.</summary>
    /// <param name="config">Architecture (family RoBERTa).</param>
    /// <param name="labels">Outputs of the head (1 for regression).</param>
    /// <param name="lora">LoRA adapters on the attention projections; null for full fine-tuning.</param>
    public RobertaForSequenceClassification(EncoderConfig config, int labels, LoraOptions? lora = null)
        : base(nameof(RobertaForSequenceClassification), EncoderFamily.Roberta, config, labels, lora)
    {
        roberta = new EncoderModel(config, lora, withPooler: false);
        classifier = new ClassificationHead(config, labels);
        RegisterComponents();
        FreezeForLora();
    }

    /// <inheritdoc />
    public override string BasePrefix => "roberta.";

    internal override bool IsOptional(string parameterName) => parameterName.StartsWith("classifier.", StringComparison.Ordinal);

    /// <summary>Logits for token ids, attention mask and token types, each [batch, length].</summary>
    public override Tensor forward(Tensor ids, Tensor mask, Tensor types)
    {
        using var scope = NewDisposeScope();
        Tensor hidden = roberta.forward(ids, mask, types);
        return classifier.forward(hidden.select(1, 0)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor LastHiddenState(Tensor ids, Tensor mask, Tensor types) => roberta.forward(ids, mask, types);

    private sealed class ClassificationHead : nn.Module<Tensor, Tensor>
    {
        private readonly Linear dense;
        private readonly Linear out_proj;
        private readonly Dropout dropout;

        public ClassificationHead(EncoderConfig config, int labels)
            : base(nameof(ClassificationHead))
        {
            dense = nn.Linear(config.HiddenSize, config.HiddenSize);
            out_proj = nn.Linear(config.HiddenSize, labels);
            dropout = nn.Dropout(config.ClassifierDropout ?? config.HiddenDropoutProb);
            RegisterComponents();
        }

        public override Tensor forward(Tensor features)
        {
            using var scope = NewDisposeScope();
            return out_proj.forward(dropout.forward(dense.forward(dropout.forward(features)).tanh())).MoveToOuterDisposeScope();
        }
    }
}
