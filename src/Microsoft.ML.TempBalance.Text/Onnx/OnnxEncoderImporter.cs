using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML.TempBalance.Checkpoints;
using Microsoft.ML.TempBalance.Text.Onnx;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Text;

/// <summary>
/// Turns a BERT-family encoder exported to ONNX by PyTorch (for example a sentence-transformers model) back into a
/// Hugging Face checkpoint folder: <c>config.json</c> inferred from the graph and the tensors, <c>vocab.txt</c> and
/// <c>tokenizer_config.json</c>, and <c>model.safetensors</c> with Hugging Face names (BertModel layout, no prefix).
/// </summary>
/// <remarks>
/// Such exports keep the Hugging Face names of biases, LayerNorms and embeddings but store every Linear weight
/// transposed ([in, out]) under a generated name (<c>927</c>, <c>onnx::MatMul_788</c>). The importer names each
/// weight by following the graph, never from a table of generated names: a <c>MatMul</c> by a 2-D initializer whose
/// output feeds an <c>Add</c> with the named bias <c>X.bias</c> is the Linear <c>X</c> (its weight is written back
/// as [out, in]); a <c>Gemm</c> likewise; an embedding table is the initializer of a <c>Gather</c>, named by the
/// graph input it indexes when its own name is generated. The number of heads comes from the attention scale
/// (1/√d before the softmax), the LayerNorm epsilon from the graph, the activation from its operators (Erf: exact
/// GELU; Tanh: the tanh approximation; Relu; Sigmoid: SiLU).
/// </remarks>
public static partial class OnnxEncoderImporter
{
    [GeneratedRegex(@"^encoder\.layer\.(\d+)\.")]
    private static partial Regex LayerPattern();

    private static readonly string[] LayerTensors =
    {
        "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense", "intermediate.dense", "output.dense",
    };

    /// <summary>Imports an ONNX encoder and its WordPiece vocabulary into a new checkpoint folder.</summary>
    /// <param name="modelPath">The .onnx file.</param>
    /// <param name="vocabPath">The model's vocab.txt.</param>
    /// <param name="outFolder">The folder to write; it must not exist or be empty. It appears complete or not at all.</param>
    /// <param name="lowerCase">Whether the tokenizer lower-cases; null infers it from the vocabulary (uncased when lower-casing changes no ordinary token).</param>
    /// <exception cref="InvalidDataException">The file is not ONNX, is truncated, holds no BERT-family encoder, or a weight cannot be named (what is missing is said).</exception>
    public static OnnxImportResult Import(string modelPath, string vocabPath, string outFolder, bool? lowerCase = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        ArgumentException.ThrowIfNullOrEmpty(vocabPath);
        ArgumentException.ThrowIfNullOrEmpty(outFolder);
        if (!File.Exists(vocabPath))
        {
            throw new FileNotFoundException($"The vocabulary '{vocabPath}' does not exist (a BERT vocab.txt is expected).", vocabPath);
        }

        if (Directory.Exists(outFolder) && Directory.EnumerateFileSystemEntries(outFolder).Any())
        {
            throw new IOException($"The output folder '{outFolder}' exists and is not empty; choose a new folder.");
        }

        OnnxGraph graph = OnnxGraph.Read(modelPath);
        var recovered = new List<string>();
        Dictionary<string, OnnxTensor> named;
        var transposed = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            named = NameTensors(graph, recovered, transposed);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{modelPath}': {e.Message}", e);
        }

        string[] vocabulary = File.ReadLines(vocabPath).Select(l => l.TrimEnd('\r')).ToArray();
        // Uncased when lower-casing changes no ordinary token (ℝ is upper-case but has no lower case).
        bool uncased = lowerCase ?? !vocabulary.Any(t => !(t.StartsWith('[') && t.EndsWith(']')) && t != t.ToLowerInvariant());
        EncoderConfig config = InferConfig(graph, named, vocabulary, modelPath);

        string full = Path.GetFullPath(outFolder);
        string staging = full.TrimEnd(Path.DirectorySeparatorChar) + ".tmp-" + Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(staging);
        try
        {
            using (var scope = torch.NewDisposeScope())
            {
                var tensors = named.ToDictionary(p => p.Key, p => ToTorch(p.Value, transposed.Contains(p.Key)), StringComparer.Ordinal);
                ModuleCheckpoint.SaveTensors(tensors, Path.Combine(staging, "model.safetensors"));
            }

            config.Save(Path.Combine(staging, "config.json"));
            BertWordPieceTokenizer.Create(vocabPath, lowerCase: uncased, stripAccents: uncased).SaveTo(staging);
            if (Directory.Exists(full))
            {
                Directory.Delete(full);
            }

            Directory.Move(staging, full);
        }
        catch
        {
            Directory.Delete(staging, recursive: true);
            throw;
        }

        return new OnnxImportResult(full, config, recovered, uncased);
    }

    // Hugging Face name (without the bert. prefix) -> tensor, for the embeddings, every encoder layer and the pooler.
    private static Dictionary<string, OnnxTensor> NameTensors(OnnxGraph graph, List<string> recovered, HashSet<string> transposed)
    {
        var producers = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        var consumers = new Dictionary<string, List<OnnxNode>>(StringComparer.Ordinal);
        foreach (OnnxNode node in graph.Nodes)
        {
            foreach (string output in node.Outputs)
            {
                producers[output] = node;
            }

            foreach (string input in node.Inputs)
            {
                (consumers.TryGetValue(input, out var list) ? list : consumers[input] = new List<OnnxNode>()).Add(node);
            }
        }

        var named = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        void Add(string name, OnnxTensor tensor, string how)
        {
            if (named.TryGetValue(name, out OnnxTensor? existing) && !ReferenceEquals(existing, tensor))
            {
                throw new InvalidDataException($"two initializers ('{existing.Name}' and '{tensor.Name}') both map to '{name}' ({how})");
            }

            named[name] = tensor;
            if (Canonical(tensor.Name) != name)
            {
                recovered.Add($"{tensor.Name} -> {name}");
            }
        }

        // Tensors that keep their Hugging Face names: biases, LayerNorms, embeddings, the pooler.
        foreach (OnnxTensor tensor in graph.Initializers.Values)
        {
            string name = Canonical(tensor.Name);
            if ((name.StartsWith("embeddings.", StringComparison.Ordinal) && !name.EndsWith("position_ids", StringComparison.Ordinal))
                || name.StartsWith("encoder.layer.", StringComparison.Ordinal) || name.StartsWith("pooler.", StringComparison.Ordinal))
            {
                if (name.EndsWith(".weight", StringComparison.Ordinal) || name.EndsWith(".bias", StringComparison.Ordinal))
                {
                    named[name] = tensor;
                }
            }
        }

        foreach (OnnxNode node in graph.Nodes)
        {
            switch (node.OpType)
            {
                case "MatMul" or "Gemm":
                    NameLinear(node, graph, consumers, named, transposed, Add);
                    break;
                case "Gather" when node.Inputs.Count == 2 && graph.Initializers.TryGetValue(node.Inputs[0], out OnnxTensor? table) && table.Dims.Length == 2:
                    NameEmbedding(node, table, graph, producers, Add);
                    break;
            }
        }

        return named;
    }

    private static void NameLinear(OnnxNode node, OnnxGraph graph, Dictionary<string, List<OnnxNode>> consumers, Dictionary<string, OnnxTensor> named, HashSet<string> transposed, Action<string, OnnxTensor, string> add)
    {
        int weightInput = node.Inputs.Count >= 2 && graph.Initializers.TryGetValue(node.Inputs[1], out OnnxTensor? w1) && w1.Dims.Length == 2 ? 1 : -1;
        if (weightInput < 0)
        {
            return; // activation x activation (attention scores and context)
        }

        OnnxTensor weight = graph.Initializers[node.Inputs[1]];
        string? bias = null;
        if (node.OpType == "Gemm")
        {
            bias = node.Inputs.Count > 2 ? node.Inputs[2] : null;
        }
        else
        {
            foreach (OnnxNode add2 in consumers.GetValueOrDefault(node.Outputs[0]) ?? new List<OnnxNode>())
            {
                if (add2.OpType == "Add")
                {
                    bias = add2.Inputs.FirstOrDefault(i => i != node.Outputs[0] && graph.Initializers.ContainsKey(i));
                    if (bias is not null)
                    {
                        break;
                    }
                }
            }
        }

        string? biasName = bias is null ? null : Canonical(bias);
        if (biasName is null || !biasName.EndsWith(".bias", StringComparison.Ordinal))
        {
            throw new InvalidDataException(
                $"{node.Label} multiplies by the initializer '{weight.Name}' {weight.Shape}, but its output reaches no Add with a named bias (X.bias), so the weight cannot be named; the importer needs the MatMul -> Add(bias) pattern of PyTorch's Linear export");
        }

        string name = biasName[..^".bias".Length] + ".weight";
        bool transposedInGraph = node.OpType == "MatMul" || !(node.Ints.TryGetValue("transB", out long transB) && transB == 1);
        add(name, weight, node.Label);
        if (transposedInGraph)
        {
            transposed.Add(name);
        }
        else
        {
            transposed.Remove(name);
        }
    }

    private static void NameEmbedding(OnnxNode node, OnnxTensor table, OnnxGraph graph, Dictionary<string, OnnxNode> producers, Action<string, OnnxTensor, string> add)
    {
        string own = Canonical(table.Name);
        if (own.StartsWith("embeddings.", StringComparison.Ordinal))
        {
            return; // already named
        }

        string? input = GraphInputOf(node.Inputs[1], graph, producers);
        string? name = input switch
        {
            null => "embeddings.position_embeddings.weight", // positions come from a constant or a range, not an input
            _ when input.Contains("token_type", StringComparison.OrdinalIgnoreCase) => "embeddings.token_type_embeddings.weight",
            _ when input.Contains("input_ids", StringComparison.OrdinalIgnoreCase) => "embeddings.word_embeddings.weight",
            _ => null,
        };
        if (name is not null)
        {
            add(name, table, $"{node.Label} on input '{input ?? "positions"}'");
        }
    }

    // The graph input a value is computed from through shape-preserving nodes (Cast, Unsqueeze, Reshape, ...), or null.
    private static string? GraphInputOf(string value, OnnxGraph graph, Dictionary<string, OnnxNode> producers)
    {
        for (int depth = 0; depth < 8; depth++)
        {
            if (graph.Inputs.Contains(value))
            {
                return value;
            }

            if (!producers.TryGetValue(value, out OnnxNode? node) || node.Inputs.Count == 0)
            {
                return null;
            }

            value = node.Inputs[0];
        }

        return null;
    }

    private static EncoderConfig InferConfig(OnnxGraph graph, Dictionary<string, OnnxTensor> named, string[] vocabulary, string path)
    {
        var missing = new List<string>();
        OnnxTensor? Need(string name)
        {
            if (!named.TryGetValue(name, out OnnxTensor? t))
            {
                missing.Add(name);
            }

            return t;
        }

        OnnxTensor? words = Need("embeddings.word_embeddings.weight");
        OnnxTensor? positions = Need("embeddings.position_embeddings.weight");
        OnnxTensor? types = Need("embeddings.token_type_embeddings.weight");
        Need("embeddings.LayerNorm.weight");
        Need("embeddings.LayerNorm.bias");
        int layers = named.Keys.Select(k => LayerPattern().Match(k)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + 1).DefaultIfEmpty(0).Max();
        if (layers == 0)
        {
            missing.Add("encoder.layer.0.* (no encoder layer)");
        }

        for (int l = 0; l < layers; l++)
        {
            foreach (string part in LayerTensors)
            {
                Need($"encoder.layer.{l}.{part}.weight");
                Need($"encoder.layer.{l}.{part}.bias");
            }

            foreach (string norm in new[] { "attention.output.LayerNorm", "output.LayerNorm" })
            {
                Need($"encoder.layer.{l}.{norm}.weight");
                Need($"encoder.layer.{l}.{norm}.bias");
            }
        }

        if (missing.Count > 0 || words is null || positions is null || types is null)
        {
            throw new InvalidDataException(
                $"'{path}' holds no complete BERT-family encoder: missing {missing.Count} tensor(s), e.g. {string.Join(", ", missing.Take(6))}. Expected word, position and token-type embeddings (Gather on [rows, hidden] initializers), and per encoder layer query, key, value, attention output, intermediate and output Linears (MatMul -> Add(bias)) with two LayerNorms");
        }

        foreach (OnnxTensor table in new[] { words, positions, types })
        {
            if (table.Dims.Length != 2)
            {
                throw new InvalidDataException($"'{path}': the embedding table '{table.Name}' has shape {table.Shape}; [rows, hidden] was expected");
            }
        }

        int hidden = (int)words.Dims[1];
        if (words.Dims[0] != vocabulary.Length)
        {
            throw new InvalidDataException($"'{path}': the word embeddings have {words.Dims[0]} rows but the vocabulary has {vocabulary.Length} tokens; is it the model's own vocab.txt?");
        }

        int pad = Array.IndexOf(vocabulary, "[PAD]");
        return new EncoderConfig
        {
            Family = EncoderFamily.Bert,
            HiddenAct = Activation(graph, path),
            VocabSize = (int)words.Dims[0],
            HiddenSize = hidden,
            NumHiddenLayers = layers,
            NumAttentionHeads = Heads(graph, hidden, path),
            IntermediateSize = (int)named["encoder.layer.0.intermediate.dense.bias"].Dims[0],
            MaxPositionEmbeddings = (int)positions.Dims[0],
            TypeVocabSize = (int)types.Dims[0],
            LayerNormEps = Epsilon(graph),
            PadTokenId = pad < 0 ? 0 : pad,
            BosTokenId = -1,
            EosTokenId = -1,
        };
    }

    // The attention scale before the softmax: Div by √d or Mul by 1/√d on the scores, with d the head size; or, as
    // PyTorch exports scaled_dot_product_attention, Mul by d^-1/4 (Div by d^1/4) on each of Q and Kᵀ before their MatMul.
    private static int Heads(OnnxGraph graph, int hidden, string path)
    {
        Dictionary<string, OnnxNode> producers = Producers(graph);
        foreach (OnnxNode softmax in graph.Nodes.Where(n => n.OpType == "Softmax"))
        {
            var frontier = new Queue<(string Value, int Depth, bool BehindMatMul)>(softmax.Inputs.Select(i => (i, 0, false)));
            while (frontier.Count > 0)
            {
                (string value, int depth, bool behindMatMul) = frontier.Dequeue();
                if (depth > 5 || !producers.TryGetValue(value, out OnnxNode? node))
                {
                    continue;
                }

                if (node.OpType is "Div" or "Mul" && node.Inputs.Count == 2 && Scalar(graph, producers, node.Inputs[1]) is double c && c > 0)
                {
                    // The scores are multiplied by 1/√d, or each operand by its square root.
                    double factor = node.OpType == "Div" ? 1 / c : c;
                    double size = behindMatMul ? Math.Pow(factor, -4) : Math.Pow(factor, -2);
                    int d = (int)Math.Round(size);
                    if (Math.Abs(size - d) < 1e-3 * d && d > 0 && hidden % d == 0)
                    {
                        return hidden / d;
                    }
                }

                if (node.OpType == "MatMul" && behindMatMul)
                {
                    continue; // past the scores' MatMul and into the projections: no scale there
                }

                foreach (string input in node.Inputs)
                {
                    frontier.Enqueue((input, depth + 1, behindMatMul || node.OpType == "MatMul"));
                }
            }
        }

        throw new InvalidDataException($"'{path}': the number of attention heads cannot be inferred: no attention scale (Div by √(head size) or Mul by 1/√(head size) on the scores, or by head size^-1/4 on Q and K) was found before a Softmax");
    }

    private static Dictionary<string, OnnxNode> Producers(OnnxGraph graph)
    {
        var producers = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        foreach (OnnxNode node in graph.Nodes)
        {
            foreach (string output in node.Outputs.Where(o => o.Length > 0))
            {
                producers[output] = node;
            }
        }

        return producers;
    }

    private static double? Scalar(OnnxGraph graph, Dictionary<string, OnnxNode> producers, string value)
    {
        OnnxTensor? tensor = graph.Initializers.GetValueOrDefault(value)
            ?? (producers.TryGetValue(value, out OnnxNode? node) && node.OpType == "Constant" ? node.Tensors.GetValueOrDefault("value") : null);
        if (tensor is null || tensor.ElementCount != 1)
        {
            return null;
        }

        double[] values = tensor.Values();
        return values.Length == 1 ? values[0] : null;
    }

    // LayerNormalization's attribute, or the constant added to the variance before Sqrt; BERT's 1e-12 when neither is there.
    private static double Epsilon(OnnxGraph graph)
    {
        OnnxNode? norm = graph.Nodes.FirstOrDefault(n => n.OpType == "LayerNormalization");
        if (norm is not null)
        {
            return norm.Floats.TryGetValue("epsilon", out float e) ? e : 1e-5;
        }

        Dictionary<string, OnnxNode> producers = Producers(graph);
        foreach (OnnxNode sqrt in graph.Nodes.Where(n => n.OpType == "Sqrt" && n.Inputs.Count > 0))
        {
            if (producers.TryGetValue(sqrt.Inputs[0], out OnnxNode? add) && add.OpType == "Add")
            {
                foreach (string input in add.Inputs)
                {
                    if (Scalar(graph, producers, input) is double eps && eps > 0 && eps < 1e-2)
                    {
                        // Stored as float32: round back to the decimal the exporter was given.
                        return double.Parse(((float)eps).ToString("G7", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
                    }
                }
            }
        }

        return 1e-12;
    }

    private static string Activation(OnnxGraph graph, string path)
    {
        var ops = graph.Nodes.Select(n => n.OpType).ToHashSet(StringComparer.Ordinal);
        // ONNX's Gelu (opset 20) names its approximation in a string attribute: "none" (exact) or "tanh".
        if (graph.Nodes.Any(n => n.OpType == "Gelu" && n.Strings.GetValueOrDefault("approximate") == "tanh") || ops.Contains("FastGelu"))
        {
            return "gelu_new";
        }

        if (ops.Contains("Erf") || ops.Contains("Gelu"))
        {
            return "gelu";
        }

        // The pooler's tanh is one; the tanh GELU has one per layer.
        if (graph.Nodes.Count(n => n.OpType == "Tanh") > (graph.Initializers.Keys.Any(k => Canonical(k).StartsWith("pooler.", StringComparison.Ordinal)) ? 1 : 0))
        {
            return "gelu_new";
        }

        if (ops.Contains("Relu"))
        {
            return "relu";
        }

        if (ops.Contains("Sigmoid"))
        {
            return "silu";
        }

        throw new InvalidDataException($"'{path}': the feed-forward activation cannot be inferred (no Erf, Tanh, Relu or Sigmoid node)");
    }

    private static string Canonical(string name) => name.StartsWith("bert.", StringComparison.Ordinal) ? name["bert.".Length..] : name;

    private static torch.Tensor ToTorch(OnnxTensor tensor, bool transpose)
    {
        if (tensor.External)
        {
            throw new InvalidDataException($"tensor '{tensor.Name}' keeps its data in an external file, which this importer does not read (export with all tensors inside the .onnx file)");
        }

        torch.ScalarType type = tensor.DataType switch
        {
            OnnxTensor.Float => torch.ScalarType.Float32,
            OnnxTensor.Float16 => torch.ScalarType.Float16,
            OnnxTensor.BFloat16 => torch.ScalarType.BFloat16,
            OnnxTensor.Double => torch.ScalarType.Float64,
            _ => throw new InvalidDataException($"tensor '{tensor.Name}' has ONNX element type {tensor.DataType}; weights must be float, float16, bfloat16 or double"),
        };
        int elementSize = type switch { torch.ScalarType.Float32 => 4, torch.ScalarType.Float64 => 8, _ => 2 };
        long expected;
        try
        {
            expected = checked(tensor.Dims.Aggregate(1L, (a, b) => checked(a * b)) * elementSize);
        }
        catch (OverflowException)
        {
            throw new InvalidDataException($"tensor '{tensor.Name}' has an impossible shape {tensor.Shape}");
        }

        // Checked before allocating, so a hostile shape cannot ask for more memory than the file holds.
        long available = tensor.Raw.Length > 0 ? tensor.Raw.Length : Math.Max(tensor.Floats.Count * 4L, tensor.Integers.Count * 2L);
        if (available != expected && !(tensor.Raw.Length == 0 && (tensor.Floats.Count == tensor.ElementCount || tensor.Integers.Count == tensor.ElementCount)))
        {
            throw new InvalidDataException($"tensor '{tensor.Name}' {tensor.Shape} holds {available} bytes of data; {expected} were expected");
        }

        torch.Tensor result = torch.empty(tensor.Dims, type);
        Span<byte> target = result.bytes;
        if (tensor.Raw.Length > 0)
        {
            tensor.Raw.Span.CopyTo(target);
        }
        else if (type == torch.ScalarType.Float32 && tensor.Floats.Count == tensor.ElementCount)
        {
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(tensor.Floats.ToArray().AsSpan()).CopyTo(target);
        }
        else if (type is torch.ScalarType.Float16 or torch.ScalarType.BFloat16 && tensor.Integers.Count == tensor.ElementCount)
        {
            // int32_data holds the 16-bit patterns.
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(tensor.Integers.Select(v => (ushort)v).ToArray().AsSpan()).CopyTo(target);
        }
        else
        {
            throw new InvalidDataException($"tensor '{tensor.Name}' {tensor.Shape} has no data of the expected size");
        }

        return transpose ? result.t().contiguous() : result;
    }
}
