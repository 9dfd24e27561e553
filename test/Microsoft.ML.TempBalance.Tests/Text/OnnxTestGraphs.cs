using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Text;

/// <summary>How <see cref="OnnxTestGraphs.TinyBert"/> lays out its graph.</summary>
internal sealed record OnnxGraphOptions
{
    /// <summary>The three embedding tables get generated names (<c>onnx::Gather_701</c>) instead of their Hugging Face names.</summary>
    public bool GeneratedEmbeddingNames { get; init; }

    /// <summary>Layer 1's intermediate MatMul feeds a Relu, whose output (not the MatMul's) reaches the bias Add.</summary>
    public bool BiasEdgeMissing { get; init; }

    /// <summary>The attention scale is a Mul by 1/√d from a <c>Constant</c> node instead of a Div by an initializer √d.</summary>
    public bool ConstantNodeScale { get; init; }

    /// <summary>PyTorch's scaled_dot_product_attention export: Q and Kᵀ each multiplied by head_size^-1/4 before the MatMul.</summary>
    public bool OperandScale { get; init; }

    /// <summary>Adds the pooler (Gather of the first token, Gemm with transB = 1, Tanh).</summary>
    public bool Pooler { get; init; } = true;

    /// <summary>Put before every Hugging Face name (for example <c>bert.</c>); generated names are left alone.</summary>
    public string NamePrefix { get; init; } = "";

    /// <summary>Weights and float constants as FLOAT16 (the LayerNorm epsilon stays float32, where it does not underflow).</summary>
    public bool Float16 { get; init; }
}

/// <summary>
/// Writes small ONNX models (ModelProto bytes) with a minimal protobuf writer, in the shape PyTorch's exporter gives a
/// BERT encoder: biases, LayerNorms and embeddings under Hugging Face names without <c>bert.</c>, every encoder Linear
/// weight transposed ([in, out]) under a generated name (<c>700</c>, <c>onnx::MatMul_706</c>) as the second input of a
/// MatMul whose output feeds an Add with the named bias, LayerNorms and GELU decomposed into primitive operators.
/// The weights are those of <see cref="TinyBertFiles.Weights"/> (no classifier; F16-rounded when
/// <see cref="OnnxGraphOptions.Float16"/>). Attention omits the head Reshape/Transpose: the graph is for the importer,
/// which reads its structure, not for a runtime.
/// </summary>
internal static class OnnxTestGraphs
{
    private const int FloatType = 1;
    private const int Int64Type = 7;
    private const int Float16Type = 10;

    /// <summary>The tiny BERT encoder (<see cref="TinyBertFiles"/>) as an ONNX export.</summary>
    public static byte[] TinyBert(OnnxGraphOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var scope = torch.NewDisposeScope();
        Dictionary<string, torch.Tensor> weights = TinyBertFiles.Weights(
            new TinyBertVariant { Labels = 0, Pooler = options.Pooler, DType = options.Float16 ? "F16" : "F32" });
        var g = new GraphBuilder(options.Float16);
        int next = 700;
        torch.Tensor W(string name) => weights["bert." + name];
        string Named(string name) => g.Floats(options.NamePrefix + name, W(name));
        string Table(string name) => g.Floats(options.GeneratedEmbeddingNames ? $"onnx::Gather_{next++}" : options.NamePrefix + name, W(name));

        g.Input("input_ids", Int64Type);
        g.Input("attention_mask", Int64Type);
        g.Input("token_type_ids", Int64Type);

        // Shared constants, under generated names as the exporter gives them.
        string two = g.Scalar($"onnx::Pow_{next++}", 2f);
        string epsilon = g.Scalar($"onnx::Add_{next++}", 1e-12f, float32: true);
        string one = g.Scalar($"onnx::Add_{next++}", 1f);
        string half = g.Scalar($"onnx::Mul_{next++}", 0.5f);
        string sqrt2 = g.Scalar($"onnx::Div_{next++}", 1.4142135f);
        float headSize = (float)TinyBertFiles.Hidden / TinyBertFiles.Heads;
        string? sqrtHeadSize = options.ConstantNodeScale ? null : g.Scalar($"onnx::Div_{next++}", MathF.Sqrt(headSize));
        Proto[] lastAxis = [IntsAttribute("axes", -1), IntAttribute("keepdims", 1)];

        string LayerNorm(string x, string path, string name)
        {
            string mean = g.Node("ReduceMean", path + "/ReduceMean", [x], lastAxis);
            string centred = g.Node("Sub", path + "/Sub", [x, mean]);
            string squared = g.Node("Pow", path + "/Pow", [centred, two]);
            string variance = g.Node("ReduceMean", path + "/ReduceMean_1", [squared], lastAxis);
            string std = g.Node("Sqrt", path + "/Sqrt", [g.Node("Add", path + "/Add", [variance, epsilon])]);
            string normed = g.Node("Div", path + "/Div", [centred, std]);
            string scaled = g.Node("Mul", path + "/Mul", [normed, Named(name + ".weight")]);
            return g.Node("Add", path + "/Add_1", [scaled, Named(name + ".bias")]);
        }

        // x @ W^T + b as MatMul(x, W [in, out] under a generated name) -> Add(bias); layer 0 numbers, layer 1 onnx::MatMul_N.
        string Linear(string x, int layer, string part)
        {
            string path = $"/encoder/layer.{layer}/{part.Replace('.', '/')}";
            string hf = $"encoder.layer.{layer}.{part}";
            string generated = layer % 2 == 0 ? (next++).ToString(CultureInfo.InvariantCulture) : $"onnx::MatMul_{next++}";
            string product = g.Node("MatMul", path + "/MatMul", [x, g.Floats(generated, W(hf + ".weight").t().contiguous())]);
            if (options.BiasEdgeMissing && layer == 1 && part == "intermediate.dense")
            {
                product = g.Node("Relu", path + "/Relu", [product]);
            }

            // The exporter puts the bias first; layer 1 swaps the order (the importer accepts both).
            string bias = Named(hf + ".bias");
            string[] inputs = layer % 2 == 0 ? [bias, product] : [product, bias];
            return g.Node("Add", path + "/Add", inputs);
        }

        // Embeddings: word + token type + position (position ids sliced to the sequence length), then LayerNorm.
        string words = g.Node("Gather", "/embeddings/word_embeddings/Gather", [Table("embeddings.word_embeddings.weight"), "input_ids"]);
        string types = g.Node("Gather", "/embeddings/token_type_embeddings/Gather", [Table("embeddings.token_type_embeddings.weight"), "token_type_ids"]);
        string length = g.Node("Gather", "/embeddings/Gather", [g.Node("Shape", "/embeddings/Shape", ["input_ids"]), g.Int64s("/embeddings/Constant", [1], [1])], [IntAttribute("axis", 0)]);
        long[] ids = Enumerable.Range(0, TinyBertFiles.MaxPositions).Select(i => (long)i).ToArray();
        string positionIds = g.Node("Slice", "/embeddings/Slice", [
            g.Int64s(options.NamePrefix + "embeddings.position_ids", [1, TinyBertFiles.MaxPositions], ids),
            g.Int64s("/embeddings/Constant_1", [1], [0]), length, g.Int64s("/embeddings/Constant_2", [1], [1])]);
        string positions = g.Node("Gather", "/embeddings/position_embeddings/Gather", [Table("embeddings.position_embeddings.weight"), positionIds]);
        string summed = g.Node("Add", "/embeddings/Add_1", [g.Node("Add", "/embeddings/Add", [words, types]), positions]);
        string hidden = LayerNorm(summed, "/embeddings/LayerNorm", "embeddings.LayerNorm");

        // The additive attention mask: (1 - mask) * -10000.
        string mask = g.Node("Cast", "/Cast", ["attention_mask"], [IntAttribute("to", FloatType)]);
        string additive = g.Node("Mul", "/Mul", [g.Node("Sub", "/Sub", [one, mask]), g.Scalar($"onnx::Mul_{next++}", -10000f)]);

        for (int l = 0; l < TinyBertFiles.Layers; l++)
        {
            string p = $"/encoder/layer.{l}";
            string q = Linear(hidden, l, "attention.self.query");
            string k = Linear(hidden, l, "attention.self.key");
            string v = Linear(hidden, l, "attention.self.value");
            if (options.OperandScale)
            {
                string root = g.Scalar($"onnx::Mul_{next++}", MathF.Pow(headSize, -0.25f));
                q = g.Node("Mul", p + "/attention/self/Mul_q", [q, root]);
                k = g.Node("Mul", p + "/attention/self/Mul_k", [k, root]);
            }

            string scores = g.Node("MatMul", p + "/attention/self/MatMul", [q, k]);
            string scaled = options.OperandScale ? scores : options.ConstantNodeScale
                ? g.Node("Mul", p + "/attention/self/Mul", [scores, g.Node("Constant", p + "/attention/self/Constant", [], [TensorAttribute("value", g.ScalarTensor(1 / MathF.Sqrt(headSize)))])])
                : g.Node("Div", p + "/attention/self/Div", [scores, sqrtHeadSize!]);
            string probs = g.Node("Softmax", p + "/attention/self/Softmax", [g.Node("Add", p + "/attention/self/Add", [scaled, additive])], [IntAttribute("axis", -1)]);
            string context = g.Node("MatMul", p + "/attention/self/MatMul_1", [probs, v]);
            string attended = Linear(context, l, "attention.output.dense");
            hidden = LayerNorm(g.Node("Add", p + "/attention/output/Add", [attended, hidden]), p + "/attention/output/LayerNorm", $"encoder.layer.{l}.attention.output.LayerNorm");

            // Exact GELU: x * (1 + erf(x / √2)) * 0.5.
            string inner = Linear(hidden, l, "intermediate.dense");
            string a = $"{p}/intermediate/intermediate_act_fn";
            string erf = g.Node("Erf", a + "/Erf", [g.Node("Div", a + "/Div", [inner, sqrt2])]);
            string gelu = g.Node("Mul", a + "/Mul_1", [g.Node("Mul", a + "/Mul", [inner, g.Node("Add", a + "/Add", [erf, one])]), half]);
            string output = Linear(gelu, l, "output.dense");
            hidden = LayerNorm(g.Node("Add", p + "/output/Add", [output, hidden]), p + "/output/LayerNorm", $"encoder.layer.{l}.output.LayerNorm");
        }

        g.Output(g.Node("Identity", "/Identity", [hidden], output: "last_hidden_state"), options.Float16 ? Float16Type : FloatType);
        if (options.Pooler)
        {
            string first = g.Node("Gather", "/pooler/Gather", [hidden, g.Int64s("/pooler/Constant", [], [0])], [IntAttribute("axis", 1)]);
            string dense = g.Node("Gemm", "/pooler/dense/Gemm", [first, Named("pooler.dense.weight"), Named("pooler.dense.bias")],
                [FloatAttribute("alpha", 1f), FloatAttribute("beta", 1f), IntAttribute("transB", 1)]);
            g.Output(g.Node("Tanh", "/pooler/activation/Tanh", [dense], output: "pooler_output"), options.Float16 ? Float16Type : FloatType);
        }

        return g.Model("main_graph");
    }

    /// <summary>A graph that is no BERT encoder: y = relu(x @ W + b), W [4, 3] under the generated name <c>5</c>, b named <c>fc.bias</c>.</summary>
    public static byte[] Mlp()
    {
        var g = new GraphBuilder(half: false);
        g.Input("x", FloatType);
        float[] weight = Enumerable.Range(0, 12).Select(i => 0.1f * (i - 6)).ToArray();
        string product = g.Node("MatMul", "/fc/MatMul", ["x", g.Floats("5", [4, 3], weight)]);
        string biased = g.Node("Add", "/fc/Add", [product, g.Floats("fc.bias", [3], [0.1f, -0.2f, 0.3f])]);
        g.Output(g.Node("Relu", "/relu/Relu", [biased], output: "y"), FloatType);
        return g.Model("mlp");
    }

    private static Proto IntAttribute(string name, long value) => new Proto().Text(1, name).Int(3, value).Int(20, 2);

    private static Proto FloatAttribute(string name, float value) => new Proto().Text(1, name).Fixed32(2, value).Int(20, 1);

    // An INTS attribute (field 8, packed); the importer skips it.
    private static Proto IntsAttribute(string name, params long[] values) => new Proto().Text(1, name).Message(8, Proto.Varints(values)).Int(20, 7);

    private static Proto TensorAttribute(string name, Proto tensor) => new Proto().Text(1, name).Message(5, tensor).Int(20, 4);

    /// <summary>A GraphProto under construction: nodes and initializers in the order given, inputs and outputs.</summary>
    private sealed class GraphBuilder
    {
        private readonly Proto _graph = new();
        private readonly bool _half;

        public GraphBuilder(bool half) => _half = half;

        public void Input(string name, int elementType) => _graph.Message(11, ValueInfo(name, elementType));

        public void Output(string name, int elementType) => _graph.Message(12, ValueInfo(name, elementType));

        /// <summary>Adds a node and returns its (only) output.</summary>
        public string Node(string op, string name, string[] inputs, Proto[]? attributes = null, string? output = null)
        {
            output ??= name + "_output_0";
            var node = new Proto();
            foreach (string input in inputs)
            {
                node.Text(1, input);
            }

            node.Text(2, output).Text(3, name).Text(4, op);
            foreach (Proto attribute in attributes ?? Array.Empty<Proto>())
            {
                node.Message(5, attribute);
            }

            _graph.Message(1, node);
            return output;
        }

        public string Floats(string name, torch.Tensor tensor) => Floats(name, tensor.shape, tensor.data<float>().ToArray());

        /// <summary>A float initializer, FLOAT16 when the graph is half precision.</summary>
        public string Floats(string name, long[] dims, float[] values) => Initializer(name, FloatTensor(name, dims, values, _half));

        public string Scalar(string name, float value, bool float32 = false) => Initializer(name, FloatTensor(name, [], [value], _half && !float32));

        /// <summary>An unnamed scalar tensor, as a Constant node's value.</summary>
        public Proto ScalarTensor(float value) => FloatTensor("", [], [value], _half);

        /// <summary>An INT64 initializer, its dims written packed.</summary>
        public string Int64s(string name, long[] dims, long[] values)
        {
            var tensor = new Proto();
            if (dims.Length > 0)
            {
                tensor.Message(1, Proto.Varints(dims));
            }

            var raw = new byte[values.Length * 8];
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), values[i]);
            }

            return Initializer(name, tensor.Int(2, Int64Type).Text(8, name).Bytes(9, raw));
        }

        /// <summary>The ModelProto holding this graph.</summary>
        public byte[] Model(string graphName)
        {
            _graph.Text(2, graphName);
            return new Proto()
                .Int(1, 7)
                .Text(2, "pytorch")
                .Text(3, "1.10")
                .Message(7, _graph)
                .Message(8, new Proto().Text(1, "").Int(2, 13))
                .ToArray();
        }

        private string Initializer(string name, Proto tensor)
        {
            _graph.Message(5, tensor);
            return name;
        }

        // Dims as separate varint fields; raw_data little-endian float32 or IEEE half.
        private static Proto FloatTensor(string name, long[] dims, float[] values, bool half)
        {
            var tensor = new Proto();
            foreach (long d in dims)
            {
                tensor.Int(1, d);
            }

            int size = half ? 2 : 4;
            var raw = new byte[values.Length * size];
            for (int i = 0; i < values.Length; i++)
            {
                if (half)
                {
                    BinaryPrimitives.WriteHalfLittleEndian(raw.AsSpan(i * size), (Half)values[i]);
                }
                else
                {
                    BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * size), values[i]);
                }
            }

            return tensor.Int(2, half ? Float16Type : FloatType).Text(8, name).Bytes(9, raw);
        }

        // ValueInfoProto { name, type: TypeProto { tensor_type: { elem_type } } }.
        private static Proto ValueInfo(string name, int elementType) =>
            new Proto().Text(1, name).Message(2, new Proto().Message(1, new Proto().Int(1, elementType)));
    }

    /// <summary>A protobuf message being written: fields appended in call order.</summary>
    private sealed class Proto
    {
        private readonly List<byte> _bytes = new();

        /// <summary>The payload of a packed repeated varint field.</summary>
        public static Proto Varints(IEnumerable<long> values)
        {
            var packed = new Proto();
            foreach (long v in values)
            {
                packed.Varint((ulong)v);
            }

            return packed;
        }

        public Proto Int(int field, long value)
        {
            Tag(field, 0);
            Varint((ulong)value);
            return this;
        }

        public Proto Fixed32(int field, float value)
        {
            Tag(field, 5);
            var bytes = new byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
            _bytes.AddRange(bytes);
            return this;
        }

        public Proto Bytes(int field, byte[] value)
        {
            Tag(field, 2);
            Varint((ulong)value.Length);
            _bytes.AddRange(value);
            return this;
        }

        public Proto Text(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Proto Message(int field, Proto value) => Bytes(field, value.ToArray());

        public byte[] ToArray() => _bytes.ToArray();

        private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

        private void Varint(ulong value)
        {
            while (value >= 0x80)
            {
                _bytes.Add((byte)(value | 0x80));
                value >>= 7;
            }

            _bytes.Add((byte)value);
        }
    }
}
