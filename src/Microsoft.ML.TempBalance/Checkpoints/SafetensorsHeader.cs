using System.Text.Json;

namespace Microsoft.ML.TempBalance.Checkpoints;

/// <summary>
/// A parsed and validated safetensors header. Every check that protects the reader from a hostile or broken
/// file lives here, so that nothing is allocated or read on the strength of an unchecked number.
/// </summary>
internal sealed class SafetensorsHeader
{
    /// <summary>Largest accepted header, as in the reference implementation (100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>The key under which the header keeps its string-to-string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    private SafetensorsHeader(IReadOnlyList<SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata, long dataStart)
    {
        Tensors = tensors;
        Metadata = metadata;
        DataStart = dataStart;
    }

    /// <summary>Tensors in header order.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>File offset of the data section.</summary>
    public long DataStart { get; }

    /// <summary>Reads the header from the start of <paramref name="stream"/> and validates it against the stream's length.</summary>
    public static SafetensorsHeader Read(Stream stream, string source)
    {
        long fileLength = stream.Length;
        if (fileLength < 8)
        {
            throw Invalid(source, $"the file is truncated: it has {fileLength} bytes, fewer than the 8-byte header length");
        }

        Span<byte> lengthBytes = stackalloc byte[8];
        stream.Position = 0;
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BitConverter.ToUInt64(lengthBytes);
        if (headerLength > MaxHeaderBytes)
        {
            throw Invalid(source, $"the header length {headerLength} exceeds the {MaxHeaderBytes / 1_000_000} MB limit");
        }

        if ((long)headerLength > fileLength - 8)
        {
            throw Invalid(source, $"the header length {headerLength} is larger than the rest of the file ({fileLength - 8} bytes): the file is truncated or not a safetensors file");
        }

        var json = new byte[headerLength];
        stream.ReadExactly(json);
        long dataStart = 8 + (long)headerLength;
        return Parse(json, fileLength - dataStart, dataStart, source);
    }

    /// <summary>Parses header JSON and validates every tensor against a data section of <paramref name="dataLength"/> bytes.</summary>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> json, long dataLength, long dataStart, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw Invalid(source, $"the header is not valid JSON ({e.Message})");
        }

        using (document)
        {
            try
            {
                return Read(document, dataLength, dataStart, source);
            }
            catch (InvalidOperationException e)
            {
                // System.Text.Json reports invalid UTF-8 inside a name or string only when it is read, this way.
                throw Invalid(source, $"the header is not valid UTF-8 JSON ({e.Message})");
            }
        }
    }

    private static SafetensorsHeader Read(JsonDocument document, long dataLength, long dataStart, string source)
    {
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(source, $"the header must be a JSON object, found {document.RootElement.ValueKind}");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var tensors = new List<SafetensorsTensorInfo>();
        IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
        foreach (JsonProperty property in document.RootElement.EnumerateObject())
        {
            if (!names.Add(property.Name))
            {
                throw Invalid(source, $"duplicate entry '{property.Name}' in the header");
            }

            if (property.Name == MetadataKey)
            {
                metadata = ParseMetadata(property.Value, source);
            }
            else
            {
                tensors.Add(ParseTensor(property.Name, property.Value, dataLength, source));
            }
        }

        CheckLayout(tensors, dataLength, source);
        return new SafetensorsHeader(tensors, metadata, dataStart);
    }

    internal static InvalidDataException Invalid(string source, string problem) =>
        new($"'{source}' is not a valid safetensors file: {problem}.");

    private static Dictionary<string, string> ParseMetadata(JsonElement value, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(source, $"'{MetadataKey}' must be an object of strings, found {value.ValueKind}");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw Invalid(source, $"metadata entry '{entry.Name}' must be a string, found {entry.Value.ValueKind}");
            }

            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
            {
                throw Invalid(source, $"duplicate metadata entry '{entry.Name}'");
            }
        }

        return metadata;
    }

    private static SafetensorsTensorInfo ParseTensor(string name, JsonElement value, long dataLength, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(source, $"tensor '{name}' must be an object with dtype, shape and data_offsets, found {value.ValueKind}");
        }

        if (!value.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw Invalid(source, $"tensor '{name}' has no string 'dtype'");
        }

        string dtypeName = dtypeElement.GetString()!;
        if (!SafetensorsDTypes.TryParse(dtypeName, out SafetensorsDType dtype))
        {
            throw Invalid(source, $"tensor '{name}' has unknown dtype '{dtypeName}' (supported: {string.Join(", ", Enum.GetNames<SafetensorsDType>())})");
        }

        long[] shape = ReadIntegers(name, value, "shape", source);
        long[] offsets = ReadIntegers(name, value, "data_offsets", source);
        if (offsets.Length != 2)
        {
            throw Invalid(source, $"tensor '{name}' must have exactly two data_offsets, found {offsets.Length}");
        }

        long elements = 1;
        long bytes;
        try
        {
            foreach (long dimension in shape)
            {
                elements = checked(elements * dimension);
            }

            bytes = checked(elements * dtype.ElementSize());
        }
        catch (OverflowException)
        {
            throw Invalid(source, $"tensor '{name}' has shape [{string.Join(", ", shape)}] whose size overflows a 64-bit byte count");
        }

        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end)
        {
            throw Invalid(source, $"tensor '{name}' has data_offsets [{begin}, {end}] that end before they begin");
        }

        if (end - begin != bytes)
        {
            throw Invalid(source, $"tensor '{name}' has shape [{string.Join(", ", shape)}] x {dtype} ({dtype.ElementSize()} bytes) = {bytes} bytes, which does not match its data_offsets [{begin}, {end}] ({end - begin} bytes)");
        }

        if (end > dataLength)
        {
            throw Invalid(source, $"tensor '{name}' has data_offsets [{begin}, {end}] outside the data section of {dataLength} bytes (the file is truncated, or the offsets are wrong)");
        }

        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    private static long[] ReadIntegers(string name, JsonElement tensor, string key, string source)
    {
        if (!tensor.TryGetProperty(key, out JsonElement array) || array.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(source, $"tensor '{name}' has no '{key}' array");
        }

        var values = new long[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long number))
            {
                throw Invalid(source, $"tensor '{name}': {key}[{i}] = {item.GetRawText()} is not an integer that fits in 64 bits (the size overflows)");
            }

            if (number < 0)
            {
                throw Invalid(source, $"tensor '{name}': {key}[{i}] = {number} is negative");
            }

            values[i++] = number;
        }

        return values;
    }

    private static void CheckLayout(List<SafetensorsTensorInfo> tensors, long dataLength, string source)
    {
        // The data section must be covered exactly once, without gaps: anything else is either corruption or
        // room to smuggle bytes, and the reference implementation rejects it too.
        long expected = 0;
        SafetensorsTensorInfo? previous = null;
        foreach (SafetensorsTensorInfo tensor in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (tensor.Begin < expected)
            {
                throw Invalid(source, $"tensor '{tensor.Name}' (bytes [{tensor.Begin}, {tensor.End})) overlaps tensor '{previous!.Name}' (bytes [{previous.Begin}, {previous.End}))");
            }

            if (tensor.Begin > expected)
            {
                string after = previous is null ? "the start of the data section" : $"tensor '{previous.Name}'";
                throw Invalid(source, $"the data is not contiguous: a gap of {tensor.Begin - expected} bytes lies between {after} and tensor '{tensor.Name}'");
            }

            expected = tensor.End;
            previous = tensor;
        }

        if (expected != dataLength)
        {
            throw Invalid(source, $"the data section has {dataLength} bytes but the tensors cover {expected}: {dataLength - expected} trailing bytes belong to no tensor");
        }
    }
}
