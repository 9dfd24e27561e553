using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML.TempBalance.Checkpoints;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Text;

/// <summary>What <see cref="TinyBertFiles.Write"/> puts in a tiny BERT checkpoint folder.</summary>
internal sealed record TinyBertVariant
{
    /// <summary>The safetensors dtype of the float tensors: F32, F16 or BF16.</summary>
    public string DType { get; init; } = "F32";

    /// <summary>Encoder names carry the <c>bert.</c> prefix (a BertForSequenceClassification file) or not (a bare BertModel file).</summary>
    public bool Prefix { get; init; } = true;

    /// <summary>LayerNorm parameters named <c>.gamma</c>/<c>.beta</c>, as in checkpoints converted from the original TensorFlow BERT.</summary>
    public bool LegacyNames { get; init; }

    /// <summary>Writes <c>bert.pooler.dense.*</c>.</summary>
    public bool Pooler { get; init; } = true;

    /// <summary>Classifier outputs; 0 writes no <c>classifier.*</c> tensors and no label maps.</summary>
    public int Labels { get; init; } = 2;

    /// <summary>Also writes the tensors real checkpoints carry beside the model: position_ids and two masked-LM head tensors.</summary>
    public bool Extras { get; init; } = true;

    /// <summary>hidden_act in config.json.</summary>
    public string Activation { get; init; } = "gelu";

    /// <summary>do_lower_case in tokenizer_config.json.</summary>
    public bool LowerCase { get; init; } = true;

    /// <summary>Seed of the random weights.</summary>
    public long Seed { get; init; } = 1;
}

/// <summary>
/// Writes a tiny BERT checkpoint in the exact Hugging Face layout: config.json, tokenizer_config.json, vocab.txt
/// (the specials at BERT's relative order, then lower-case words, <c>##</c> pieces and punctuation for simple English
/// sentences, two capitalised words, an accented piece and two CJK ideographs) and model.safetensors. Weights are
/// random normal with a standard deviation of 0.3 (LayerNorm scales 1 + 0.1 noise, biases 0.1 noise), so that the
/// numerics are far from trivial.
/// </summary>
internal static class TinyBertFiles
{
    public const int Hidden = 8;
    public const int Heads = 2;
    public const int Layers = 2;
    public const int Intermediate = 16;
    public const int MaxPositions = 24;
    public const int TypeVocab = 2;

    public const int PadId = 0;
    public const int UnkId = 2;
    public const int ClsId = 3;
    public const int SepId = 4;
    public const int MaskId = 5;

    /// <summary>The vocabulary in id order.</summary>
    public static readonly IReadOnlyList<string> Vocabulary = new[]
    {
        "[PAD]", "[unused0]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
        ".", ",", "!", "?", "'", "-", "(", ")", ":", ";", "\"",
        "the", "a", "an", "is", "was", "it", "this", "that", "i", "you", "he", "she",
        "and", "or", "but", "not", "very", "of", "to", "in", "on", "with",
        "cat", "dog", "sat", "mat", "good", "bad", "movie", "film", "great", "terrible", "hello", "world",
        "love", "hate", "play", "run", "fun", "story", "plot", "best", "worst", "boring", "un", "caf",
        "##s", "##ed", "##ing", "##believ", "##able", "##e", "##é", "##ny", "##ner", "##ly",
        "Hello", "The", "中", "文",
    };

    public static int VocabSize => Vocabulary.Count;

    public static string VocabPath(string folder) => Path.Combine(folder, "vocab.txt");

    /// <summary>
    /// The model tensors of <paramref name="variant"/> in float32 with canonical Hugging Face names (<c>bert.</c>
    /// prefix, LayerNorm <c>.weight</c>/<c>.bias</c>), holding exactly the values stored in the file (rounded to its
    /// dtype). Pooler and classifier follow <see cref="TinyBertVariant.Pooler"/> and <see cref="TinyBertVariant.Labels"/>;
    /// the extras are not included. The encoder weights depend only on the seed: the pooler and the classifier are drawn last.
    /// </summary>
    public static Dictionary<string, torch.Tensor> Weights(TinyBertVariant variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        torch.ScalarType dtype = ScalarType(variant.DType);
        using var scope = torch.NewDisposeScope();
        using var generator = new torch.Generator((ulong)variant.Seed);
        var w = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        void Matrix(string name, long rows, long cols) => w[name] = torch.randn(new[] { rows, cols }, generator: generator) * 0.3;
        void Bias(string name, long size) => w[name] = torch.randn(new[] { size }, generator: generator) * 0.1;
        void Dense(string name, long outputs, long inputs)
        {
            Matrix(name + ".weight", outputs, inputs);
            Bias(name + ".bias", outputs);
        }

        void Norm(string name)
        {
            w[name + ".weight"] = 1 + torch.randn(new long[] { Hidden }, generator: generator) * 0.1;
            Bias(name + ".bias", Hidden);
        }

        Matrix("bert.embeddings.word_embeddings.weight", VocabSize, Hidden);
        Matrix("bert.embeddings.position_embeddings.weight", MaxPositions, Hidden);
        Matrix("bert.embeddings.token_type_embeddings.weight", TypeVocab, Hidden);
        Norm("bert.embeddings.LayerNorm");
        for (int l = 0; l < Layers; l++)
        {
            string p = $"bert.encoder.layer.{l}.";
            Dense(p + "attention.self.query", Hidden, Hidden);
            Dense(p + "attention.self.key", Hidden, Hidden);
            Dense(p + "attention.self.value", Hidden, Hidden);
            Dense(p + "attention.output.dense", Hidden, Hidden);
            Norm(p + "attention.output.LayerNorm");
            Dense(p + "intermediate.dense", Intermediate, Hidden);
            Dense(p + "output.dense", Hidden, Intermediate);
            Norm(p + "output.LayerNorm");
        }

        // Drawn even when not written, so that the classifier is the same with and without a pooler.
        Dense("bert.pooler.dense", Hidden, Hidden);
        if (!variant.Pooler)
        {
            w.Remove("bert.pooler.dense.weight");
            w.Remove("bert.pooler.dense.bias");
        }

        if (variant.Labels > 0)
        {
            Dense("classifier", variant.Labels, Hidden);
        }

        var result = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        foreach ((string name, torch.Tensor value) in w)
        {
            result[name] = value.to(dtype).to(torch.float32).MoveToOuterDisposeScope();
        }

        return result;
    }

    /// <summary>Writes the checkpoint folder for <paramref name="variant"/> and returns <paramref name="folder"/>.</summary>
    public static string Write(string folder, TinyBertVariant variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        torch.ScalarType dtype = ScalarType(variant.DType);
        using var scope = torch.NewDisposeScope();
        Directory.CreateDirectory(folder);
        var utf8 = new UTF8Encoding(false);
        var json = new JsonSerializerOptions { WriteIndented = true };

        var config = new Dictionary<string, object>
        {
            ["architectures"] = new[] { "BertForSequenceClassification" },
            ["model_type"] = "bert",
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = Hidden,
            ["num_hidden_layers"] = Layers,
            ["num_attention_heads"] = Heads,
            ["intermediate_size"] = Intermediate,
            ["hidden_act"] = variant.Activation,
            ["hidden_dropout_prob"] = 0.1,
            ["attention_probs_dropout_prob"] = 0.1,
            ["max_position_embeddings"] = MaxPositions,
            ["type_vocab_size"] = TypeVocab,
            ["layer_norm_eps"] = 1e-12,
            ["initializer_range"] = 0.02,
            ["pad_token_id"] = PadId,
            ["position_embedding_type"] = "absolute",
            ["transformers_version"] = "4.46.0",
        };
        if (variant.Labels > 0)
        {
            var id2label = new Dictionary<string, string>(StringComparer.Ordinal);
            var label2id = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < variant.Labels; i++)
            {
                string label = variant.Labels == 2 ? (i == 0 ? "neg" : "pos") : $"LABEL_{i.ToString(CultureInfo.InvariantCulture)}";
                id2label[i.ToString(CultureInfo.InvariantCulture)] = label;
                label2id[label] = i;
            }

            config["id2label"] = id2label;
            config["label2id"] = label2id;
        }

        File.WriteAllText(Path.Combine(folder, "config.json"), JsonSerializer.Serialize(config, json), utf8);
        var tokenizerConfig = new Dictionary<string, object>
        {
            ["tokenizer_class"] = "BertTokenizer",
            ["do_lower_case"] = variant.LowerCase,
        };
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), JsonSerializer.Serialize(tokenizerConfig, json), utf8);
        File.WriteAllText(VocabPath(folder), string.Join("\n", Vocabulary) + "\n", utf8);

        var file = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        foreach ((string name, torch.Tensor value) in Weights(variant))
        {
            file[FileName(name, variant)] = value.to(dtype);
        }

        if (variant.Extras)
        {
            file[FileName("bert.embeddings.position_ids", variant)] = torch.arange(MaxPositions, dtype: torch.int64).unsqueeze(0);
            using var generator = new torch.Generator((ulong)variant.Seed + 1);
            file["cls.predictions.bias"] = (torch.randn(new long[] { VocabSize }, generator: generator) * 0.1).to(dtype);
            file["cls.predictions.transform.dense.weight"] = (torch.randn(new long[] { Hidden, Hidden }, generator: generator) * 0.3).to(dtype);
        }

        // Every tensor made here, those of Weights included, belongs to the scope and is freed on return.
        SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"), file, new Dictionary<string, string> { ["format"] = "pt" });
        return folder;
    }

    /// <summary>The name a canonical tensor name takes in the file of <paramref name="variant"/>.</summary>
    public static string FileName(string canonical, TinyBertVariant variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        string name = variant.Prefix || !canonical.StartsWith("bert.", StringComparison.Ordinal) ? canonical : canonical["bert.".Length..];
        if (variant.LegacyNames && name.Contains("LayerNorm.", StringComparison.Ordinal))
        {
            if (name.EndsWith(".weight", StringComparison.Ordinal))
            {
                name = name[..^".weight".Length] + ".gamma";
            }
            else if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                name = name[..^".bias".Length] + ".beta";
            }
        }

        return name;
    }

    private static torch.ScalarType ScalarType(string dtype) => dtype switch
    {
        "F32" => torch.ScalarType.Float32,
        "F16" => torch.ScalarType.Float16,
        "BF16" => torch.ScalarType.BFloat16,
        _ => throw new ArgumentException($"The tiny BERT is written as F32, F16 or BF16, not '{dtype}'.", nameof(dtype)),
    };
}
