using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.TempBalance.IO;

namespace Microsoft.ML.TempBalance.Text;

/// <summary>
/// The fields of a Hugging Face encoder <c>config.json</c> (RoBERTa or BERT, by <c>model_type</c>) that the model
/// uses. Property defaults are those of Hugging Face's <c>RobertaConfig</c>; a BERT file's absent keys take
/// <c>BertConfig</c>'s (<see cref="BertDefaults"/>). <see cref="Load"/> rejects values this implementation does not
/// support, naming the file and the key.
/// </summary>
public sealed record EncoderConfig
{
    /// <summary>The <c>model_type</c> values <see cref="Load"/> accepts.</summary>
    public static readonly IReadOnlyList<string> SupportedModelTypes = new[] { "bert", "roberta" };

    /// <summary>The activations of the feed-forward layer this implementation has (<c>hidden_act</c>).</summary>
    public static readonly IReadOnlyList<string> SupportedActivations = new[] { "gelu", "gelu_new", "gelu_pytorch_tanh", "relu", "silu", "swish" };

    /// <summary>Hugging Face <c>BertConfig</c>'s defaults (bert-base-uncased).</summary>
    public static EncoderConfig BertDefaults { get; } = new()
    {
        Family = EncoderFamily.Bert,
        VocabSize = 30522,
        MaxPositionEmbeddings = 512,
        TypeVocabSize = 2,
        PadTokenId = 0,
        BosTokenId = -1,
        EosTokenId = -1,
    };

    /// <summary>The architecture (RoBERTa unless set).</summary>
    public EncoderFamily Family { get; init; } = EncoderFamily.Roberta;

    /// <summary>Activation of the feed-forward layer: <c>gelu</c> (exact, erf), <c>gelu_new</c> / <c>gelu_pytorch_tanh</c> (tanh approximation), <c>relu</c>, <c>silu</c>.</summary>
    public string HiddenAct { get; init; } = "gelu";

    /// <summary>Vocabulary size (rows of the word embeddings).</summary>
    public int VocabSize { get; init; } = 50265;

    /// <summary>Hidden size.</summary>
    public int HiddenSize { get; init; } = 768;

    /// <summary>Number of encoder layers (blocks).</summary>
    public int NumHiddenLayers { get; init; } = 12;

    /// <summary>Attention heads per layer.</summary>
    public int NumAttentionHeads { get; init; } = 12;

    /// <summary>Feed-forward size.</summary>
    public int IntermediateSize { get; init; } = 3072;

    /// <summary>Dropout after embeddings and sub-layers.</summary>
    public double HiddenDropoutProb { get; init; } = 0.1;

    /// <summary>Dropout on attention probabilities.</summary>
    public double AttentionProbsDropoutProb { get; init; } = 0.1;

    /// <summary>Dropout in the classification head (null: <see cref="HiddenDropoutProb"/>).</summary>
    public double? ClassifierDropout { get; init; }

    /// <summary>Rows of the position embeddings (514 for roberta-base: 512 positions after the padding offset; 512 for BERT).</summary>
    public int MaxPositionEmbeddings { get; init; } = 514;

    /// <summary>Rows of the token-type embeddings (1 for RoBERTa, 2 for BERT).</summary>
    public int TypeVocabSize { get; init; } = 1;

    /// <summary>LayerNorm epsilon.</summary>
    public double LayerNormEps { get; init; } = 1e-12;

    /// <summary>Standard deviation of the random initialisation.</summary>
    public double InitializerRange { get; init; } = 0.02;

    /// <summary>Padding token id (for RoBERTa also the position-id offset).</summary>
    public int PadTokenId { get; init; } = 1;

    /// <summary>Beginning-of-sequence token id.</summary>
    public int BosTokenId { get; init; } = 0;

    /// <summary>End-of-sequence token id.</summary>
    public int EosTokenId { get; init; } = 2;

    /// <summary>Labels of the classification head, by id (empty when the checkpoint has none).</summary>
    public IReadOnlyList<string> Labels { get; init; } = Array.Empty<string>();

    /// <summary>Longest input (special tokens included) the position embeddings allow.</summary>
    public int MaxSequenceLength => Family == EncoderFamily.Roberta ? MaxPositionEmbeddings - PadTokenId - 1 : MaxPositionEmbeddings;

    // The bare encoder when there is no head (an imported sentence encoder), else the classifier.
    private string Architecture => (Family, Labels.Count) switch
    {
        (EncoderFamily.Roberta, 0) => "RobertaModel",
        (EncoderFamily.Roberta, _) => "RobertaForSequenceClassification",
        (_, 0) => "BertModel",
        _ => "BertForSequenceClassification",
    };

    /// <summary>The Hugging Face <c>model_type</c>.</summary>
    public string ModelType => Family == EncoderFamily.Roberta ? "roberta" : "bert";

    /// <summary>Reads and validates a <c>config.json</c>.</summary>
    /// <exception cref="InvalidDataException">Unreadable JSON, an unknown <c>model_type</c> or an unsupported value (file and key named).</exception>
    public static EncoderConfig Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The checkpoint has no config file: '{path}' was expected (Hugging Face config.json).", path);
        }

        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"'{path}' does not hold a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }

        string modelType = String(json, "model_type", "", path);
        if (!SupportedModelTypes.Contains(modelType))
        {
            throw new InvalidDataException($"'{path}': model_type is '{modelType}'; supported are {string.Join(", ", SupportedModelTypes.Select(t => $"'{t}'"))}.");
        }

        string activation = String(json, "hidden_act", "gelu", path);
        if (!SupportedActivations.Contains(activation))
        {
            throw new InvalidDataException($"'{path}': hidden_act '{activation}' is not supported; expected one of {string.Join(", ", SupportedActivations)}.");
        }

        string position = String(json, "position_embedding_type", "absolute", path);
        if (position != "absolute")
        {
            throw new InvalidDataException($"'{path}': position_embedding_type '{position}' is not supported; expected 'absolute'.");
        }

        if (json["is_decoder"]?.GetValue<bool>() == true || json["add_cross_attention"]?.GetValue<bool>() == true)
        {
            throw new InvalidDataException($"'{path}': decoder or cross-attention configurations are not supported.");
        }

        EncoderConfig defaults = modelType == "bert" ? BertDefaults : new EncoderConfig();
        var config = defaults with
        {
            HiddenAct = activation,
            VocabSize = Int(json, "vocab_size", defaults.VocabSize, path),
            HiddenSize = Int(json, "hidden_size", defaults.HiddenSize, path),
            NumHiddenLayers = Int(json, "num_hidden_layers", defaults.NumHiddenLayers, path),
            NumAttentionHeads = Int(json, "num_attention_heads", defaults.NumAttentionHeads, path),
            IntermediateSize = Int(json, "intermediate_size", defaults.IntermediateSize, path),
            HiddenDropoutProb = Double(json, "hidden_dropout_prob", defaults.HiddenDropoutProb, path),
            AttentionProbsDropoutProb = Double(json, "attention_probs_dropout_prob", defaults.AttentionProbsDropoutProb, path),
            ClassifierDropout = json["classifier_dropout"] is null ? null : Double(json, "classifier_dropout", 0, path),
            MaxPositionEmbeddings = Int(json, "max_position_embeddings", defaults.MaxPositionEmbeddings, path),
            TypeVocabSize = Int(json, "type_vocab_size", defaults.TypeVocabSize, path),
            LayerNormEps = Double(json, "layer_norm_eps", defaults.LayerNormEps, path),
            InitializerRange = Double(json, "initializer_range", defaults.InitializerRange, path),
            PadTokenId = Int(json, "pad_token_id", defaults.PadTokenId, path),
            BosTokenId = Int(json, "bos_token_id", defaults.BosTokenId, path),
            EosTokenId = Int(json, "eos_token_id", defaults.EosTokenId, path),
            Labels = ReadLabels(json, path),
        };
        config.Validate(path);
        return config;
    }

    /// <summary>Checks the values are usable; <paramref name="source"/> names where they came from.</summary>
    public void Validate(string source = "EncoderConfig")
    {
        void Positive(int value, string key)
        {
            if (value < 1)
            {
                throw new InvalidDataException($"'{source}': {key} must be positive, not {value}.");
            }
        }

        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(IntermediateSize, "intermediate_size");
        Positive(TypeVocabSize, "type_vocab_size");
        if (HiddenSize % NumAttentionHeads != 0)
        {
            throw new InvalidDataException($"'{source}': hidden_size ({HiddenSize}) must be a multiple of num_attention_heads ({NumAttentionHeads}).");
        }

        if (!SupportedActivations.Contains(HiddenAct))
        {
            throw new InvalidDataException($"'{source}': hidden_act '{HiddenAct}' is not supported; expected one of {string.Join(", ", SupportedActivations)}.");
        }

        if (PadTokenId < 0 || PadTokenId >= VocabSize || MaxSequenceLength < 3)
        {
            throw new InvalidDataException($"'{source}': pad_token_id ({PadTokenId}) and max_position_embeddings ({MaxPositionEmbeddings}) leave no room for a sequence.");
        }

        foreach ((double p, string key) in new[] { (HiddenDropoutProb, "hidden_dropout_prob"), (AttentionProbsDropoutProb, "attention_probs_dropout_prob"), (ClassifierDropout ?? 0, "classifier_dropout") })
        {
            if (!(p >= 0 && p < 1))
            {
                throw new InvalidDataException($"'{source}': {key} must be in [0, 1), not {p}.");
            }
        }

        if (!(LayerNormEps > 0))
        {
            throw new InvalidDataException($"'{source}': layer_norm_eps must be positive, not {LayerNormEps}.");
        }
    }

    /// <summary>Writes a Hugging Face <c>config.json</c> (for RobertaForSequenceClassification or BertForSequenceClassification; the bare encoder when there are no labels), atomically.</summary>
    public void Save(string path)
    {
        var id2label = new JsonObject();
        var label2id = new JsonObject();
        for (int i = 0; i < Labels.Count; i++)
        {
            id2label[i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = Labels[i];
            label2id[Labels[i]] = i;
        }

        var json = new JsonObject
        {
            ["architectures"] = new JsonArray(Architecture),
            ["model_type"] = ModelType,
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["intermediate_size"] = IntermediateSize,
            ["hidden_act"] = HiddenAct,
            ["hidden_dropout_prob"] = HiddenDropoutProb,
            ["attention_probs_dropout_prob"] = AttentionProbsDropoutProb,
            ["classifier_dropout"] = ClassifierDropout,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["type_vocab_size"] = TypeVocabSize,
            ["layer_norm_eps"] = LayerNormEps,
            ["initializer_range"] = InitializerRange,
            ["pad_token_id"] = PadTokenId,
            ["bos_token_id"] = BosTokenId < 0 ? null : BosTokenId,
            ["eos_token_id"] = EosTokenId < 0 ? null : EosTokenId,
            ["position_embedding_type"] = "absolute",
        };
        if (Labels.Count > 0)
        {
            json["num_labels"] = Labels.Count;
            json["id2label"] = id2label;
            json["label2id"] = label2id;
            json["problem_type"] = Labels.Count == 1 ? "regression" : "single_label_classification";
        }

        string text = json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(text);
        });
    }

    private static IReadOnlyList<string> ReadLabels(JsonObject json, string path)
    {
        if (json["id2label"] is JsonObject id2label && id2label.Count > 0)
        {
            var labels = new string[id2label.Count];
            foreach ((string key, JsonNode? value) in id2label)
            {
                if (!int.TryParse(key, out int id) || id < 0 || id >= labels.Length || value is null)
                {
                    throw new InvalidDataException($"'{path}': id2label must map the ids 0..{labels.Length - 1} to names; found key '{key}'.");
                }

                labels[id] = value.GetValue<string>();
            }

            return labels;
        }

        int count = json["num_labels"]?.GetValue<int>() ?? 0;
        return Enumerable.Range(0, count).Select(i => $"LABEL_{i}").ToArray();
    }

    private static string String(JsonObject json, string key, string fallback, string path) => Value(json, key, fallback, path, "a string");

    private static int Int(JsonObject json, string key, int fallback, string path) => Value(json, key, fallback, path, "an integer");

    private static double Double(JsonObject json, string key, double fallback, string path) => Value(json, key, fallback, path, "a number");

    // An absent key or a JSON null takes the fallback; a value of another type names the key.
    private static T Value<T>(JsonObject json, string key, T fallback, string path, string expected)
    {
        try
        {
            return json[key] is JsonNode node ? node.GetValue<T>() : fallback;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"'{path}': {key} must be {expected}.", e);
        }
    }
}
