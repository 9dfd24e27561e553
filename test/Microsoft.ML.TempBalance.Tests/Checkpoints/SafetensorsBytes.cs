using System.Text;

namespace Microsoft.ML.TempBalance.Tests.Checkpoints;

/// <summary>Builds safetensors images by hand from a header string and data bytes.</summary>
internal static class SafetensorsBytes
{
    public static byte[] Build(string headerJson, byte[] data, ulong? declaredHeaderLength = null)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        var image = new List<byte>();
        image.AddRange(BitConverter.GetBytes(declaredHeaderLength ?? (ulong)header.Length));
        image.AddRange(header);
        image.AddRange(data);
        return image.ToArray();
    }
}
