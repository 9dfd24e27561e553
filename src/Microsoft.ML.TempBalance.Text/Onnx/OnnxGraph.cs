namespace Microsoft.ML.TempBalance.Text.Onnx;

/// <summary>One ONNX tensor (an initializer or a Constant's value): name, element type, dims and its data.</summary>
internal sealed record OnnxTensor(string Name, int DataType, long[] Dims, ReadOnlyMemory<byte> Raw, IReadOnlyList<float> Floats, IReadOnlyList<long> Integers, bool External)
{
    public const int Float = 1;
    public const int Int32 = 6;
    public const int Int64 = 7;
    public const int Float16 = 10;
    public const int Double = 11;
    public const int BFloat16 = 16;

    public long ElementCount => Dims.Aggregate(1L, (a, b) => a * b);

    public string Shape => $"[{string.Join(", ", Dims)}]";

    /// <summary>The values as doubles (float types and integers); for scalars and small constants.</summary>
    public double[] Values()
    {
        if (External)
        {
            throw new InvalidDataException($"tensor '{Name}' keeps its data in an external file, which this importer does not read (export with all tensors inside the .onnx file)");
        }

        if (Raw.Length > 0)
        {
            byte[] raw = Raw.ToArray();
            int size = DataType switch { Float or Int32 => 4, Double or Int64 => 8, Float16 or BFloat16 => 2, _ => 0 };
            if (size == 0)
            {
                throw new InvalidDataException($"tensor '{Name}' has ONNX element type {DataType}, which this importer does not read");
            }

            var values = new double[raw.Length / size];
            for (int i = 0; i < values.Length; i++)
            {
                ReadOnlySpan<byte> at = raw.AsSpan(i * size, size);
                values[i] = DataType switch
                {
                    Float => BitConverter.ToSingle(at),
                    Double => BitConverter.ToDouble(at),
                    Float16 => (double)BitConverter.ToHalf(at),
                    BFloat16 => BitConverter.Int32BitsToSingle(BitConverter.ToUInt16(at) << 16),
                    Int64 => BitConverter.ToInt64(at),
                    _ => BitConverter.ToInt32(at),
                };
            }

            return values;
        }

        return Floats.Count > 0 ? Floats.Select(f => (double)f).ToArray() : Integers.Select(i => (double)i).ToArray();
    }
}

/// <summary>One node: operator, inputs, outputs, and the attributes this importer reads (ints, floats, strings, tensors).</summary>
internal sealed record OnnxNode(string Name, string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs, IReadOnlyDictionary<string, long> Ints, IReadOnlyDictionary<string, float> Floats, IReadOnlyDictionary<string, OnnxTensor> Tensors, IReadOnlyDictionary<string, string> Strings)
{
    public string Label => Name.Length > 0 ? $"{OpType} node '{Name}'" : $"{OpType} node with output '{Outputs.FirstOrDefault()}'";
}

/// <summary>
/// The main graph of an ONNX model, parsed from the file's protobuf (<c>ModelProto.graph</c>): nodes, initializers
/// and input names. Only the fields an encoder import needs are kept; the rest are skipped.
/// </summary>
internal sealed class OnnxGraph
{
    private OnnxGraph(List<OnnxNode> nodes, Dictionary<string, OnnxTensor> initializers, List<string> inputs, string producer)
    {
        Nodes = nodes;
        Initializers = initializers;
        Inputs = inputs;
        Producer = producer;
    }

    public IReadOnlyList<OnnxNode> Nodes { get; }

    public IReadOnlyDictionary<string, OnnxTensor> Initializers { get; }

    /// <summary>Graph input names (initializers excluded).</summary>
    public IReadOnlyList<string> Inputs { get; }

    public string Producer { get; }

    /// <summary>Parses an ONNX file.</summary>
    /// <exception cref="InvalidDataException">Not ONNX, truncated or corrupt (the file and the problem named).</exception>
    public static OnnxGraph Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The ONNX model '{path}' does not exist.", path);
        }

        byte[] bytes = File.ReadAllBytes(path);
        try
        {
            return Parse(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}' is not a readable ONNX model ({bytes.Length} bytes): {e.Message}. Is it an ONNX file, and complete?", e);
        }
    }

    private static OnnxGraph Parse(ReadOnlyMemory<byte> bytes)
    {
        var reader = new ProtobufReader(bytes);
        ReadOnlyMemory<byte>? graph = null;
        long irVersion = 0;
        string producer = "";
        while (!reader.AtEnd)
        {
            (int field, int wire) = reader.ReadTag();
            switch (field, wire)
            {
                case (1, 0): irVersion = reader.ReadInt64(); break;
                case (2, 2): producer = reader.ReadString(); break;
                case (7, 2): graph = reader.ReadBytes(); break;
                default: reader.Skip(wire); break;
            }
        }

        if (graph is null || irVersion <= 0)
        {
            throw new InvalidDataException("it has no ONNX graph and IR version (ModelProto fields 7 and 1)");
        }

        var nodes = new List<OnnxNode>();
        var initializers = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        var inputs = new List<string>();
        var g = new ProtobufReader(graph.Value);
        while (!g.AtEnd)
        {
            (int field, int wire) = g.ReadTag();
            switch (field, wire)
            {
                case (1, 2): nodes.Add(ReadNode(g.ReadBytes())); break;
                case (5, 2):
                    OnnxTensor tensor = ReadTensor(g.ReadBytes());
                    initializers[tensor.Name] = tensor;
                    break;
                case (11, 2): inputs.Add(ReadValueInfoName(g.ReadBytes())); break;
                default: g.Skip(wire); break;
            }
        }

        return new OnnxGraph(nodes, initializers, inputs.Where(i => !initializers.ContainsKey(i)).ToList(), producer);
    }

    private static OnnxNode ReadNode(ReadOnlyMemory<byte> bytes)
    {
        var r = new ProtobufReader(bytes);
        var inputs = new List<string>();
        var outputs = new List<string>();
        var ints = new Dictionary<string, long>(StringComparer.Ordinal);
        var floats = new Dictionary<string, float>(StringComparer.Ordinal);
        var tensors = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        var strings = new Dictionary<string, string>(StringComparer.Ordinal);
        string name = "", op = "";
        while (!r.AtEnd)
        {
            (int field, int wire) = r.ReadTag();
            switch (field, wire)
            {
                case (1, 2): inputs.Add(r.ReadString()); break;
                case (2, 2): outputs.Add(r.ReadString()); break;
                case (3, 2): name = r.ReadString(); break;
                case (4, 2): op = r.ReadString(); break;
                case (5, 2): ReadAttribute(r.ReadBytes(), ints, floats, tensors, strings); break;
                default: r.Skip(wire); break;
            }
        }

        return new OnnxNode(name, op, inputs, outputs, ints, floats, tensors, strings);
    }

    private static void ReadAttribute(ReadOnlyMemory<byte> bytes, Dictionary<string, long> ints, Dictionary<string, float> floats, Dictionary<string, OnnxTensor> tensors, Dictionary<string, string> strings)
    {
        var r = new ProtobufReader(bytes);
        string name = "";
        long? i = null;
        float? f = null;
        string? text = null;
        OnnxTensor? t = null;
        while (!r.AtEnd)
        {
            (int field, int wire) = r.ReadTag();
            switch (field, wire)
            {
                case (1, 2): name = r.ReadString(); break;
                case (2, 5): f = r.ReadFloat(); break;
                case (3, 0): i = r.ReadInt64(); break;
                case (4, 2): text = r.ReadString(); break;
                case (5, 2): t = ReadTensor(r.ReadBytes()); break;
                default: r.Skip(wire); break;
            }
        }

        if (i is long iv)
        {
            ints[name] = iv;
        }

        if (f is float fv)
        {
            floats[name] = fv;
        }

        if (t is not null)
        {
            tensors[name] = t;
        }

        if (text is not null)
        {
            strings[name] = text;
        }
    }

    private static OnnxTensor ReadTensor(ReadOnlyMemory<byte> bytes)
    {
        var r = new ProtobufReader(bytes);
        var dims = new List<long>();
        var floats = new List<float>();
        var integers = new List<long>();
        ReadOnlyMemory<byte> raw = ReadOnlyMemory<byte>.Empty;
        int type = 0;
        string name = "";
        bool external = false;
        while (!r.AtEnd)
        {
            (int field, int wire) = r.ReadTag();
            switch (field, wire)
            {
                case (1, 0 or 2): r.ReadInt64s(wire, dims); break;
                case (2, 0): type = (int)r.ReadInt64(); break;
                case (4, 2 or 5): r.ReadFloats(wire, floats); break;
                case (5 or 7, 0 or 2): r.ReadInt64s(wire, integers); break;
                case (8, 2): name = r.ReadString(); break;
                case (9, 2): raw = r.ReadBytes(); break;
                case (14, 0): external = r.ReadInt64() == 1; break;
                default: r.Skip(wire); break;
            }
        }

        if (dims.Any(d => d < 0))
        {
            throw new InvalidDataException($"tensor '{name}' has a negative dimension");
        }

        return new OnnxTensor(name, type, dims.ToArray(), raw, floats, integers, external);
    }

    private static string ReadValueInfoName(ReadOnlyMemory<byte> bytes)
    {
        var r = new ProtobufReader(bytes);
        while (!r.AtEnd)
        {
            (int field, int wire) = r.ReadTag();
            if (field == 1 && wire == 2)
            {
                return r.ReadString();
            }

            r.Skip(wire);
        }

        return "";
    }
}
