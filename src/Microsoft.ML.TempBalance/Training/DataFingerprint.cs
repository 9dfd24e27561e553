using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Microsoft.ML.TempBalance.Training;

/// <summary>
/// SHA-256 over a task's data and settings, so that a training checkpoint can tell that a resume sees the same
/// training and validation data (same count is not enough: cross-validation folds have equal sizes).
/// </summary>
internal sealed class DataFingerprint : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public DataFingerprint Add(string text)
    {
        Add(text.Length);
        _hash.AppendData(System.Text.Encoding.UTF8.GetBytes(text));
        return this;
    }

    public DataFingerprint Add(long value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(long)];
        BitConverter.TryWriteBytes(bytes, value);
        _hash.AppendData(bytes);
        return this;
    }

    public DataFingerprint Add(ReadOnlySpan<float> values)
    {
        Add(values.Length);
        _hash.AppendData(MemoryMarshal.AsBytes(values));
        return this;
    }

    public DataFingerprint Add(ReadOnlySpan<int> values)
    {
        Add(values.Length);
        _hash.AppendData(MemoryMarshal.AsBytes(values));
        return this;
    }

    /// <summary>The digest as "sha256:" and hex.</summary>
    public string Finish() => "sha256:" + Convert.ToHexString(_hash.GetHashAndReset()).ToLowerInvariant();

    public void Dispose() => _hash.Dispose();
}
