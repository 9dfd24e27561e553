using TorchSharp;

namespace Microsoft.ML.TempBalance.Checkpoints;

/// <summary>
/// Reads tensors from a safetensors file (the Hugging Face weight format: an 8-byte little-endian header
/// length, a JSON header, then raw little-endian data). The header is validated on open; each tensor is read
/// on request by seeking to its byte range, so one tensor of a large checkpoint costs only its own bytes.
/// </summary>
/// <remarks>
/// Broken or hostile files raise <see cref="InvalidDataException"/> naming the file and the problem: header
/// length beyond the file or above 100 MB, invalid JSON, unknown dtype, negative or overflowing dimensions,
/// shape and byte range that disagree, offsets outside the data section, overlapping or non-contiguous data,
/// duplicate names, truncation.
/// </remarks>
public sealed class SafetensorsReader : IDisposable
{
    private const int ChunkBytes = 1 << 24;
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly SafetensorsHeader _header;
    private readonly Dictionary<string, SafetensorsTensorInfo> _byName;

    private SafetensorsReader(Stream stream, string source, bool leaveOpen)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Safetensors data is little-endian; big-endian hosts are not supported.");
        }

        if (!stream.CanSeek || !stream.CanRead)
        {
            throw new ArgumentException("The stream must be readable and seekable.", nameof(stream));
        }

        _stream = stream;
        _leaveOpen = leaveOpen;
        Source = source;
        _header = SafetensorsHeader.Read(stream, source);
        _byName = _header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The file path (or the name given for a stream), used in messages.</summary>
    public string Source { get; }

    /// <summary>The tensors in header order.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors => _header.Tensors;

    /// <summary>The header's <c>__metadata__</c> string map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <summary>Opens and validates a safetensors file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file.</exception>
    public static SafetensorsReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Safetensors file '{path}' does not exist.", path);
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
        try
        {
            return new SafetensorsReader(stream, path, leaveOpen: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads a safetensors image from a seekable stream.</summary>
    /// <param name="stream">Readable and seekable; positioned anywhere.</param>
    /// <param name="source">A name for messages.</param>
    /// <param name="leaveOpen">Whether disposing the reader leaves the stream open.</param>
    public static SafetensorsReader Open(Stream stream, string source, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new SafetensorsReader(stream, source, leaveOpen);
    }

    /// <summary>Whether the file holds a tensor of that name.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The header entry of a tensor.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    public SafetensorsTensorInfo GetInfo(string name) =>
        _byName.TryGetValue(name, out SafetensorsTensorInfo? info)
            ? info
            : throw new KeyNotFoundException($"'{Source}' has no tensor named '{name}'.");

    /// <summary>Reads one tensor (on the CPU, in its stored dtype) without reading any other tensor's bytes.</summary>
    public torch.Tensor ReadTensor(string name)
    {
        SafetensorsTensorInfo info = GetInfo(name);
        torch.Tensor tensor = torch.empty(info.Shape.ToArray(), info.DType.ToScalarType());
        try
        {
            ReadInto(info, tensor);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>Reads every tensor, in header order. The caller owns (and disposes) the tensors.</summary>
    public IReadOnlyDictionary<string, torch.Tensor> ReadAll()
    {
        var result = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (SafetensorsTensorInfo info in Tensors)
            {
                result.Add(info.Name, ReadTensor(info.Name));
            }
        }
        catch
        {
            foreach (torch.Tensor tensor in result.Values)
            {
                tensor.Dispose();
            }

            throw;
        }

        return result;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private void ReadInto(SafetensorsTensorInfo info, torch.Tensor tensor)
    {
        if (info.ByteCount == 0)
        {
            return;
        }

        _stream.Position = _header.DataStart + info.Begin;
        using torch.Tensor flat = tensor.view(-1);
        int elementSize = info.DType.ElementSize();
        long elementsPerChunk = ChunkBytes / elementSize;
        for (long first = 0; first < info.ElementCount; first += elementsPerChunk)
        {
            long count = Math.Min(elementsPerChunk, info.ElementCount - first);
            using torch.Tensor chunk = flat.narrow(0, first, count);
            Span<byte> target = chunk.bytes;
            int read = _stream.ReadAtLeast(target, target.Length, throwOnEndOfStream: false);
            if (read != target.Length)
            {
                throw SafetensorsHeader.Invalid(Source, $"the file is truncated while reading tensor '{info.Name}'");
            }
        }
    }
}
