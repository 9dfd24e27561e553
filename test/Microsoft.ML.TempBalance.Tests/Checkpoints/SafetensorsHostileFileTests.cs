using Microsoft.ML.TempBalance.Checkpoints;

namespace Microsoft.ML.TempBalance.Tests.Checkpoints;

/// <summary>Each broken or hostile file gets an <see cref="InvalidDataException"/> naming the file and the problem.</summary>
[TestClass]
public sealed class SafetensorsHostileFileTests
{
    private const string Name = "hostile.safetensors";

    private static string Entry(string name, string dtype, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";

    private static InvalidDataException Open(byte[] image)
    {
        using var folder = new TempFolder();
        string path = folder.File(Name);
        File.WriteAllBytes(path, image);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => SafetensorsReader.Open(path).Dispose());
        StringAssert.Contains(error.Message, Name, "the message names the file");
        return error;
    }

    [TestMethod]
    public void HeaderLengthLargerThanTheFile()
    {
        var error = Open(SafetensorsBytes.Build("{}", new byte[0], declaredHeaderLength: 4096));
        StringAssert.Contains(error.Message, "header length 4096 is larger than the rest of the file");
    }

    [TestMethod]
    public void HeaderLengthAbove100MB()
    {
        var error = Open(SafetensorsBytes.Build("{}", new byte[0], declaredHeaderLength: 100_000_001));
        StringAssert.Contains(error.Message, "exceeds the 100 MB limit");
    }

    [TestMethod]
    public void HeaderLengthNearUInt64MaxDoesNotAllocate()
    {
        var error = Open(SafetensorsBytes.Build("{}", new byte[0], declaredHeaderLength: ulong.MaxValue));
        StringAssert.Contains(error.Message, "exceeds the 100 MB limit");
    }

    [TestMethod]
    public void InvalidJson()
    {
        var error = Open(SafetensorsBytes.Build("{\"w\":{\"dtype\":\"F32\",", new byte[0]));
        StringAssert.Contains(error.Message, "not valid JSON");
    }

    [TestMethod]
    public void HeaderThatIsNotAnObject()
    {
        var error = Open(SafetensorsBytes.Build("[1,2]   ", new byte[0]));
        StringAssert.Contains(error.Message, "must be a JSON object");
    }

    [TestMethod]
    [DataRow("{\"w\":[1,2]}", "an entry that is not an object")]
    [DataRow("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", "no dtype")]
    [DataRow("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", "no shape")]
    [DataRow("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", "no data_offsets")]
    [DataRow("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", "begin after end")]
    [DataRow("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}}", "nesting deeper than 16")]
    public void MalformedEntries(string header, string what)
    {
        var error = Open(SafetensorsBytes.Build(header, new byte[4]));
        StringAssert.Contains(error.Message, "is not a valid safetensors file", what);
    }

    [TestMethod]
    public void InvalidUtf8InATensorName()
    {
        byte[] image = SafetensorsBytes.Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]);
        int at = Array.IndexOf(image, (byte)'w');
        image[at] = 0xFF; // not UTF-8
        var error = Open(image);
        StringAssert.Contains(error.Message, "not valid UTF-8 JSON");
    }

    [TestMethod]
    public void OffsetsOutsideTheDataSection()
    {
        // The header claims 8 bytes at [1000, 1008) but the data section is 16 bytes long.
        var error = Open(SafetensorsBytes.Build("{" + Entry("w", "F32", "[2]", 1000, 1008) + "}", new byte[16]));
        StringAssert.Contains(error.Message, "'w'");
        StringAssert.Contains(error.Message, "outside the data section of 16 bytes");
    }

    [TestMethod]
    public void OverlappingRanges()
    {
        string header = "{" + Entry("a", "F32", "[2]", 0, 8) + "," + Entry("b", "F32", "[2]", 4, 12) + "}";
        var error = Open(SafetensorsBytes.Build(header, new byte[12]));
        StringAssert.Contains(error.Message, "'b' (bytes [4, 12)) overlaps tensor 'a'");
    }

    [TestMethod]
    public void NonContiguousRanges()
    {
        string header = "{" + Entry("a", "F32", "[2]", 0, 8) + "," + Entry("b", "F32", "[2]", 12, 20) + "}";
        var error = Open(SafetensorsBytes.Build(header, new byte[20]));
        StringAssert.Contains(error.Message, "not contiguous: a gap of 4 bytes lies between tensor 'a' and tensor 'b'");
    }

    [TestMethod]
    public void TrailingBytesThatBelongToNoTensor()
    {
        var error = Open(SafetensorsBytes.Build("{" + Entry("a", "F32", "[2]", 0, 8) + "}", new byte[24]));
        StringAssert.Contains(error.Message, "16 trailing bytes belong to no tensor");
    }

    [TestMethod]
    public void ShapeTimesDTypeSizeNotMatchingTheByteRange()
    {
        var error = Open(SafetensorsBytes.Build("{" + Entry("w", "F32", "[2,3]", 0, 20) + "}", new byte[20]));
        StringAssert.Contains(error.Message, "[2, 3] x F32 (4 bytes) = 24 bytes, which does not match its data_offsets [0, 20]");
    }

    [TestMethod]
    public void NegativeDimension()
    {
        var error = Open(SafetensorsBytes.Build("{" + Entry("w", "F32", "[-2,3]", 0, 24) + "}", new byte[24]));
        StringAssert.Contains(error.Message, "shape[0] = -2 is negative");
    }

    [TestMethod]
    public void OverflowingDimensionProduct()
    {
        var error = Open(SafetensorsBytes.Build("{" + Entry("w", "F64", "[4294967296,4294967296]", 0, 8) + "}", new byte[8]));
        StringAssert.Contains(error.Message, "overflows");
    }

    [TestMethod]
    public void DimensionTooLargeForSixtyFourBits()
    {
        var error = Open(SafetensorsBytes.Build("{" + Entry("w", "F32", "[99999999999999999999]", 0, 8) + "}", new byte[8]));
        StringAssert.Contains(error.Message, "overflows");
    }

    [TestMethod]
    public void UnknownDType()
    {
        var error = Open(SafetensorsBytes.Build("{" + Entry("w", "F8_E4M3", "[2]", 0, 2) + "}", new byte[2]));
        StringAssert.Contains(error.Message, "unknown dtype 'F8_E4M3'");
    }

    [TestMethod]
    public void DuplicateNames()
    {
        string header = "{" + Entry("w", "F32", "[1]", 0, 4) + "," + Entry("w", "F32", "[1]", 4, 8) + "}";
        var error = Open(SafetensorsBytes.Build(header, new byte[8]));
        StringAssert.Contains(error.Message, "duplicate entry 'w'");
    }

    [TestMethod]
    public void TruncatedData()
    {
        // A valid file for two 16-byte tensors, cut 10 bytes short.
        string header = "{" + Entry("a", "F32", "[4]", 0, 16) + "," + Entry("b", "F32", "[4]", 16, 32) + "}";
        byte[] whole = SafetensorsBytes.Build(header, new byte[32]);
        var error = Open(whole[..^10]);
        StringAssert.Contains(error.Message, "truncated");
    }

    [TestMethod]
    public void TruncatedBeforeTheHeaderLength()
    {
        var error = Open(new byte[] { 1, 2, 3 });
        StringAssert.Contains(error.Message, "truncated: it has 3 bytes");
    }

    [TestMethod]
    public void MetadataThatIsNotAStringMap()
    {
        var error = Open(SafetensorsBytes.Build("{\"__metadata__\":{\"epochs\":10}}", new byte[0]));
        StringAssert.Contains(error.Message, "metadata entry 'epochs' must be a string");
    }

    [TestMethod]
    public void MissingFileIsNamed()
    {
        var error = Assert.ThrowsExactly<FileNotFoundException>(() => SafetensorsReader.Open("/nonexistent/w.safetensors"));
        StringAssert.Contains(error.Message, "/nonexistent/w.safetensors");
    }
}
