using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.ML.TempBalance.IO;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Checkpoints;

/// <summary>
/// Writes tensors as a safetensors file that Hugging Face's <c>safetensors</c> library loads. The output is
/// deterministic (the same tensors give the same bytes, whatever the order they are passed in) and written
/// atomically: a temporary file is renamed to the target only once complete.
/// </summary>
public static class SafetensorsWriter
{
    private const int ChunkBytes = 1 << 24;

    /// <summary>Writes <paramref name="tensors"/> (any device, any layout) to <paramref name="path"/>.</summary>
    /// <param name="path">The target file; replaced only after a successful write.</param>
    /// <param name="tensors">Name and tensor pairs; names must be unique and non-empty.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> strings (e.g. <c>format</c> = <c>pt</c>).</param>
    public static void Write(string path, IEnumerable<KeyValuePair<string, torch.Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        List<Entry> entries = Prepare(tensors);
        AtomicFile.Write(path, stream => WriteTo(stream, entries, metadata));
    }

    /// <summary>Writes the safetensors image to a stream (for zip entries and tests).</summary>
    public static void Write(Stream stream, IEnumerable<KeyValuePair<string, torch.Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        WriteTo(stream, Prepare(tensors), metadata);
    }

    private sealed record Entry(string Name, SafetensorsDType DType, torch.Tensor Tensor);

    private static List<Entry> Prepare(IEnumerable<KeyValuePair<string, torch.Tensor>> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Safetensors data is little-endian; big-endian hosts are not supported.");
        }

        var entries = new List<Entry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string name, torch.Tensor tensor) in tensors)
        {
            if (string.IsNullOrEmpty(name) || name == SafetensorsHeader.MetadataKey)
            {
                throw new ArgumentException($"Tensor name '{name}' is not allowed in a safetensors file.", nameof(tensors));
            }

            if (!names.Add(name))
            {
                throw new ArgumentException($"Tensor name '{name}' appears twice.", nameof(tensors));
            }

            ArgumentNullException.ThrowIfNull(tensor, nameof(tensors));
            if (!SafetensorsDTypes.TryFromScalarType(tensor.dtype, out SafetensorsDType dtype))
            {
                throw new ArgumentException(
                    $"Tensor '{name}' has dtype {tensor.dtype}, which the safetensors format cannot hold"
                    + " (complex tensors are stored as real tensors with a trailing dimension of 2).", nameof(tensors));
            }

            entries.Add(new Entry(name, dtype, tensor));
        }

        // Largest elements first, then by name: the order Hugging Face's writer uses, which keeps every tensor
        // aligned to its element size and makes the output independent of the order of the input.
        entries.Sort((a, b) =>
        {
            int bySize = b.DType.ElementSize().CompareTo(a.DType.ElementSize());
            return bySize != 0 ? bySize : string.CompareOrdinal(a.Name, b.Name);
        });
        return entries;
    }

    private static void WriteTo(Stream stream, List<Entry> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        byte[] header = BuildHeader(entries, metadata);
        stream.Write(BitConverter.GetBytes((ulong)header.Length));
        stream.Write(header);
        foreach (Entry entry in entries)
        {
            using var scope = torch.NewDisposeScope();
            torch.Tensor data = entry.Tensor.detach().cpu().contiguous().view(-1);
            long count = data.numel();
            long elementsPerChunk = ChunkBytes / entry.DType.ElementSize();
            for (long first = 0; first < count; first += elementsPerChunk)
            {
                torch.Tensor chunk = data.narrow(0, first, Math.Min(elementsPerChunk, count - first));
                stream.Write(chunk.bytes);
            }
        }
    }

    private static byte[] BuildHeader(List<Entry> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach ((string key, string value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (Entry entry in entries)
            {
                long bytes = entry.Tensor.numel() * entry.DType.ElementSize();
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", entry.DType.ToString());
                json.WriteStartArray("shape");
                foreach (long dimension in entry.Tensor.shape)
                {
                    json.WriteNumberValue(dimension);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }

            json.WriteEndObject();
        }

        // Pad with spaces (valid JSON whitespace) so the data section starts 8-byte aligned.
        int padding = (int)((8 - (buffer.Length % 8)) % 8);
        for (int i = 0; i < padding; i++)
        {
            buffer.WriteByte((byte)' ');
        }

        return buffer.ToArray();
    }
}
