using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.TempBalance.Text.Modules;

/// <summary>
/// Hugging Face's RobertaForSequenceClassification: the encoder, then dropout → dense → tanh → dropout → out_proj
/// on the <c>&lt;s&gt;</c> state. Returns logits [batch, labels] (labels = 1: a regression score). Parameter names
/// are the checkpoint's (<c>roberta.encoder.layer.0.attention.self.query.weight</c>, <c>classifier.out_proj.bias</c>).
/// </summary>
public sealed class RobertaForSequenceClassification : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly RobertaModel roberta;
    private readonly ClassificationHead classifier;

    /// <summary>Builds the model with PyTorch's default initialisation; see <see cref="InitializeWeights"/>.</summary>
    /// <param name="config">Architecture.</param>
    /// <param name="labels">Outputs of the head (1 for regression).</param>
    /// <param name="lora">LoRA adapters on the attention projections; null for full fine-tuning.</param>
    public RobertaForSequenceClassification(RobertaConfig config, int labels, LoraOptions? lora = null)
        : base(nameof(RobertaForSequenceClassification))
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfLessThan(labels, 1);
        config.Validate();
        lora?.Validate();
        Config = config;
        LabelCount = labels;
        Lora = lora;
        roberta = new RobertaModel(config, lora);
        classifier = new ClassificationHead(config, labels);
        RegisterComponents();
        if (lora is not null)
        {
            // Only the adapters and the head train (PEFT's default for sequence classification).
            foreach ((string name, Parameter parameter) in named_parameters())
            {
                parameter.requires_grad = IsLoraParameter(name) || name.StartsWith("classifier.", StringComparison.Ordinal);
            }
        }
    }

    /// <summary>The LoRA settings, or null for a plain model.</summary>
    public LoraOptions? Lora { get; }

    internal static bool IsLoraParameter(string name) => name.EndsWith(".lora_A", StringComparison.Ordinal) || name.EndsWith(".lora_B", StringComparison.Ordinal);

    internal IEnumerable<(string Name, LoraLinear Module)> LoraModules() =>
        named_modules().Where(m => m.module is LoraLinear).Select(m => (m.name, (LoraLinear)m.module));

    /// <summary>The architecture.</summary>
    public RobertaConfig Config { get; }

    /// <summary>Outputs of the head.</summary>
    public int LabelCount { get; }

    /// <summary>Logits for token ids and attention mask, both [batch, length].</summary>
    public override Tensor forward(Tensor ids, Tensor mask)
    {
        using var scope = NewDisposeScope();
        Tensor hidden = roberta.forward(ids, mask);
        return classifier.forward(hidden.select(1, 0)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Hugging Face's initialisation, seeded: Linear and Embedding weights ~ N(0, initializer_range), biases 0,
    /// padding rows 0, LayerNorm weight 1 and bias 0. With <paramref name="headOnly"/> only the classifier.
    /// </summary>
    public void InitializeWeights(long seed, bool headOnly = false)
    {
        var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach ((string name, Parameter parameter) in named_parameters())
        {
            if ((headOnly && !name.StartsWith("classifier.", StringComparison.Ordinal)) || IsLoraParameter(name))
            {
                continue;
            }

            if (name.Contains("LayerNorm", StringComparison.Ordinal))
            {
                parameter.fill_(name.EndsWith(".weight", StringComparison.Ordinal) ? 1.0 : 0.0);
            }
            else if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                parameter.zero_();
            }
            else
            {
                using Tensor values = normal(0, Config.InitializerRange, parameter.shape, parameter.dtype, generator: generator);
                parameter.copy_(values);
                if (name.EndsWith("word_embeddings.weight", StringComparison.Ordinal) || name.EndsWith("position_embeddings.weight", StringComparison.Ordinal))
                {
                    using Tensor padding = parameter[Config.PadTokenId];
                    padding.zero_();
                }
            }
        }
    }

    /// <summary>Re-initialises every LoRA adapter (A as PyTorch's Linear, B = 0), seeded.</summary>
    internal void InitializeAdapters(long seed)
    {
        var generator = new Generator((ulong)seed);
        foreach ((_, LoraLinear module) in LoraModules())
        {
            module.ResetAdapter(generator);
        }
    }

    private sealed class ClassificationHead : nn.Module<Tensor, Tensor>
    {
        private readonly Linear dense;
        private readonly Linear out_proj;
        private readonly Dropout dropout;

        public ClassificationHead(RobertaConfig config, int labels)
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
