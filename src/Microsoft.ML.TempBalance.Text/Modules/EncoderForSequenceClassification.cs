using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.TempBalance.Text.Modules;

/// <summary>
/// A pretrained encoder with a sequence classification (or, with one output, regression) head, as Hugging Face's
/// <c>*ForSequenceClassification</c> models: <see cref="RobertaForSequenceClassification"/> or
/// <see cref="BertForSequenceClassification"/>, made by <see cref="Create"/> from the configuration's family.
/// Parameter names are the checkpoint's (<c>roberta.encoder.layer.0.attention.self.query.weight</c>,
/// <c>bert.pooler.dense.weight</c>, <c>classifier.*</c>); the transformer blocks are <c>encoder.layer.N</c>.
/// </summary>
public abstract class EncoderForSequenceClassification : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private protected EncoderForSequenceClassification(string name, EncoderFamily family, EncoderConfig config, int labels, LoraOptions? lora)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Family != family)
        {
            throw new ArgumentException($"The configuration is for '{config.ModelType}', not '{family.ToString().ToLowerInvariant()}'.", nameof(config));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(labels, 1);
        config.Validate();
        lora?.Validate();
        Config = config;
        LabelCount = labels;
        Lora = lora;
    }

    /// <summary>The architecture.</summary>
    public EncoderConfig Config { get; }

    /// <summary>Outputs of the head.</summary>
    public int LabelCount { get; }

    /// <summary>The LoRA settings, or null for a plain model.</summary>
    public LoraOptions? Lora { get; }

    /// <summary>The encoder's name prefix in checkpoints (<c>roberta.</c>, <c>bert.</c>).</summary>
    public abstract string BasePrefix { get; }

    /// <summary>Names of parameters that a checkpoint may lack and that are then initialised (the head; BERT's pooler).</summary>
    internal abstract bool IsOptional(string parameterName);

    /// <summary>A model of the configuration's family with PyTorch's default initialisation (see <see cref="InitializeWeights"/>).</summary>
    /// <param name="config">Architecture.</param>
    /// <param name="labels">Outputs of the head (1 for regression).</param>
    /// <param name="lora">LoRA adapters on the attention projections; null for full fine-tuning.</param>
    public static EncoderForSequenceClassification Create(EncoderConfig config, int labels, LoraOptions? lora = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Family switch
        {
            EncoderFamily.Roberta => new RobertaForSequenceClassification(config, labels, lora),
            EncoderFamily.Bert => new BertForSequenceClassification(config, labels, lora),
            _ => throw new ArgumentOutOfRangeException(nameof(config), config.Family, "Unknown encoder family."),
        };
    }

    /// <summary>The encoder's last hidden states [batch, length, hidden] for ids, attention mask and token types ([batch, length] each).</summary>
    public abstract Tensor LastHiddenState(Tensor ids, Tensor mask, Tensor types);

    /// <summary>Logits [batch, labels] for a single segment (every token type 0).</summary>
    public Tensor forward(Tensor ids, Tensor mask)
    {
        using Tensor types = zeros_like(ids);
        return forward(ids, mask, types);
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
                bool paddingRow = name.EndsWith("word_embeddings.weight", StringComparison.Ordinal)
                    || (Config.Family == EncoderFamily.Roberta && name.EndsWith("position_embeddings.weight", StringComparison.Ordinal));
                if (paddingRow)
                {
                    using Tensor padding = parameter[Config.PadTokenId];
                    padding.zero_();
                }
            }
        }
    }

    internal static bool IsLoraParameter(string name) => name.EndsWith(".lora_A", StringComparison.Ordinal) || name.EndsWith(".lora_B", StringComparison.Ordinal);

    internal IEnumerable<(string Name, LoraLinear Module)> LoraModules() =>
        named_modules().Where(m => m.module is LoraLinear).Select(m => (m.name, (LoraLinear)m.module));

    /// <summary>Re-initialises every LoRA adapter (A as PyTorch's Linear, B = 0), seeded.</summary>
    internal void InitializeAdapters(long seed)
    {
        var generator = new Generator((ulong)seed);
        foreach ((_, LoraLinear module) in LoraModules())
        {
            module.ResetAdapter(generator);
        }
    }

    /// <summary>With LoRA, only the adapters and the head train (PEFT's default for sequence classification). Call after registering.</summary>
    private protected void FreezeForLora()
    {
        if (Lora is null)
        {
            return;
        }

        foreach ((string name, Parameter parameter) in named_parameters())
        {
            parameter.requires_grad = IsLoraParameter(name) || name.StartsWith("classifier.", StringComparison.Ordinal);
        }
    }
}
