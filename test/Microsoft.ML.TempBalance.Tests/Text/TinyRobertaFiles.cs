using System.Text;
using System.Text.Json;
using Microsoft.ML.TempBalance.Checkpoints;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Text;

/// <summary>
/// Writes a tiny RoBERTa checkpoint in the exact Hugging Face layout: config.json, vocab.json (4 specials, the 256
/// byte-level symbols at id 4 + byte, then merged tokens), merges.txt and model.safetensors with
/// <c>roberta.</c>-prefixed names plus the extras real checkpoints carry (position_ids, pooler, lm_head).
/// </summary>
internal static class TinyRobertaFiles
{
    public const int Hidden = 8;
    public const int Heads = 2;
    public const int Layers = 2;
    public const int Intermediate = 16;
    public const int MaxPositions = 20;

    public static readonly string[] Merges = { "h e", "l l", "ll o", "he llo", "Ġ w", "o r", "Ġw or", "l d", "Ġwor ld" };

    /// <summary>GPT-2's byte → printable character map (bytes_to_unicode).</summary>
    public static char ByteChar(int b)
    {
        bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        if (printable)
        {
            return (char)b;
        }

        int n = 0;
        for (int i = 0; i < b; i++)
        {
            bool p = (i >= '!' && i <= '~') || (i >= 0xA1 && i <= 0xAC) || (i >= 0xAE && i <= 0xFF);
            if (!p)
            {
                n++;
            }
        }

        return (char)(256 + n);
    }

    public static Dictionary<string, int> Vocabulary()
    {
        var vocab = new Dictionary<string, int> { ["<s>"] = 0, ["<pad>"] = 1, ["</s>"] = 2, ["<unk>"] = 3 };
        for (int b = 0; b < 256; b++)
        {
            vocab[ByteChar(b).ToString()] = 4 + b;
        }

        foreach (string merge in Merges)
        {
            vocab[merge.Replace(" ", "", StringComparison.Ordinal)] = vocab.Count;
        }

        vocab["<mask>"] = vocab.Count;
        return vocab;
    }

    public static int VocabSize => Vocabulary().Count;

    /// <summary>Random weights for every tensor of the model, in Hugging Face naming, with the head for <paramref name="labels"/> outputs.</summary>
    public static Dictionary<string, torch.Tensor> Weights(int labels, int seed)
    {
        var generator = new torch.Generator((ulong)seed);
        var w = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        void Add(string name, params long[] shape) => w[name] = torch.randn(shape, generator: generator) * 0.5;
        void Norm(string name)
        {
            w[name + ".weight"] = 1 + torch.randn(new long[] { Hidden }, generator: generator) * 0.1;
            w[name + ".bias"] = torch.randn(new long[] { Hidden }, generator: generator) * 0.1;
        }

        Add("roberta.embeddings.word_embeddings.weight", VocabSize, Hidden);
        Add("roberta.embeddings.position_embeddings.weight", MaxPositions, Hidden);
        Add("roberta.embeddings.token_type_embeddings.weight", 1, Hidden);
        Norm("roberta.embeddings.LayerNorm");
        for (int l = 0; l < Layers; l++)
        {
            string p = $"roberta.encoder.layer.{l}.";
            foreach (string name in new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense" })
            {
                Add(p + name + ".weight", Hidden, Hidden);
                Add(p + name + ".bias", Hidden);
            }

            Norm(p + "attention.output.LayerNorm");
            Add(p + "intermediate.dense.weight", Intermediate, Hidden);
            Add(p + "intermediate.dense.bias", Intermediate);
            Add(p + "output.dense.weight", Hidden, Intermediate);
            Add(p + "output.dense.bias", Hidden);
            Norm(p + "output.LayerNorm");
        }

        if (labels > 0)
        {
            Add("classifier.dense.weight", Hidden, Hidden);
            Add("classifier.dense.bias", Hidden);
            Add("classifier.out_proj.weight", labels, Hidden);
            Add("classifier.out_proj.bias", labels);
        }

        return w;
    }

    /// <summary>Writes the folder. Returns the weights as written (after the dtype round trip), for reference computations.</summary>
    public static Dictionary<string, torch.Tensor> Write(string folder, int labels = 3, int seed = 1, torch.ScalarType dtype = torch.ScalarType.Float32, bool withPrefix = true, IReadOnlyList<string>? labelNames = null)
    {
        Directory.CreateDirectory(folder);
        var id2label = new Dictionary<string, string>();
        for (int i = 0; i < labels; i++)
        {
            id2label[i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = labelNames?[i] ?? $"L{i}";
        }

        var config = new Dictionary<string, object>
        {
            ["architectures"] = new[] { "RobertaForMaskedLM" },
            ["model_type"] = "roberta",
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = Hidden,
            ["num_hidden_layers"] = Layers,
            ["num_attention_heads"] = Heads,
            ["intermediate_size"] = Intermediate,
            ["hidden_act"] = "gelu",
            ["hidden_dropout_prob"] = 0.1,
            ["attention_probs_dropout_prob"] = 0.1,
            ["max_position_embeddings"] = MaxPositions,
            ["type_vocab_size"] = 1,
            ["initializer_range"] = 0.02,
            ["layer_norm_eps"] = 1e-05,
            ["pad_token_id"] = 1,
            ["bos_token_id"] = 0,
            ["eos_token_id"] = 2,
            ["position_embedding_type"] = "absolute",
            ["transformers_version"] = "4.46.0",
        };
        if (labels > 0)
        {
            config["id2label"] = id2label;
        }

        File.WriteAllText(Path.Combine(folder, "config.json"), JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllText(Path.Combine(folder, "vocab.json"), JsonSerializer.Serialize(Vocabulary()), new UTF8Encoding(false));
        File.WriteAllText(Path.Combine(folder, "merges.txt"), "#version: 0.2\n" + string.Join("\n", Merges) + "\n", new UTF8Encoding(false));

        Dictionary<string, torch.Tensor> weights = Weights(labels, seed);
        var file = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        foreach ((string name, torch.Tensor value) in weights.ToList())
        {
            string key = withPrefix || !name.StartsWith("roberta.", StringComparison.Ordinal) ? name : name["roberta.".Length..];
            file[key] = value.to(dtype);
            weights[name] = file[key].to(torch.float64);
        }

        file[(withPrefix ? "roberta." : "") + "embeddings.position_ids"] = torch.arange(MaxPositions, dtype: torch.int64).unsqueeze(0);
        file[(withPrefix ? "roberta." : "") + "pooler.dense.weight"] = torch.zeros(Hidden, Hidden).to(dtype);
        file["lm_head.dense.weight"] = torch.zeros(Hidden, Hidden).to(dtype);
        SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"), file, new Dictionary<string, string> { ["format"] = "pt" });
        foreach (torch.Tensor t in file.Values)
        {
            t.Dispose();
        }

        return weights;
    }
}
