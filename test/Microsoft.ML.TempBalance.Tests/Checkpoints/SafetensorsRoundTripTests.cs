using System.Text;
using System.Text.Json;
using Microsoft.ML.TempBalance.Checkpoints;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Checkpoints;

[TestClass]
public sealed class SafetensorsRoundTripTests
{
    public static IEnumerable<object[]> AllDTypes => Enum.GetValues<SafetensorsDType>().Select(d => new object[] { d });

    [TestMethod]
    [DynamicData(nameof(AllDTypes))]
    public void EveryDTypeRoundTripsBitExactly(SafetensorsDType dtype)
    {
        using var folder = new TempFolder();
        var random = new Random(1234 + (int)dtype);
        long[] shape = { 3, 5, 7 };
        var bytes = new byte[3 * 5 * 7 * dtype.ElementSize()];
        random.NextBytes(bytes);
        if (dtype == SafetensorsDType.BOOL)
        {
            for (int i = 0; i < bytes.Length; i++) bytes[i] &= 1;
        }

        using var tensor = torch.empty(shape, dtype.ToScalarType());
        tensor.bytes = bytes; // arbitrary bit patterns, NaN payloads and subnormals included
        string path = folder.File("t.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, torch.Tensor> { ["x"] = tensor });

        using var reader = SafetensorsReader.Open(path);
        Assert.AreEqual(dtype, reader.GetInfo("x").DType);
        using var loaded = reader.ReadTensor("x");
        Assert.AreEqual(dtype.ToScalarType(), loaded.dtype);
        CollectionAssert.AreEqual(shape, loaded.shape);
        CollectionAssert.AreEqual(bytes, loaded.bytes.ToArray());
    }

    [TestMethod]
    public void AHandWrittenFileIsReadWithTheRightValues()
    {
        // Two F32 values 1.5, -2.25 and one I64 value 7, laid out by hand as the format specifies.
        var data = new List<byte>();
        data.AddRange(BitConverter.GetBytes(7L));
        data.AddRange(BitConverter.GetBytes(1.5f));
        data.AddRange(BitConverter.GetBytes(-2.25f));
        string header = "{\"__metadata__\":{\"format\":\"pt\"},\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]},"
            + "\"w\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[8,16]}}";
        using var stream = new MemoryStream(SafetensorsBytes.Build(header, data.ToArray()));
        using var reader = SafetensorsReader.Open(stream, "hand.safetensors");

        Assert.AreEqual("pt", reader.Metadata["format"]);
        using var n = reader.ReadTensor("n");
        Assert.AreEqual(0L, n.dim());
        Assert.AreEqual(7L, n.item<long>());
        using var w = reader.ReadTensor("w");
        CollectionAssert.AreEqual(new[] { 1.5f, -2.25f }, w.data<float>().ToArray());
    }

    [TestMethod]
    public void TheWriterFollowsTheFormatLayout()
    {
        using var a = torch.arange(6, dtype: torch.float32).reshape(2, 3);
        using var b = torch.arange(4, dtype: torch.float16);
        using var c = torch.tensor(new long[] { 1, 2 });
        using var stream = new MemoryStream();
        SafetensorsWriter.Write(stream, new Dictionary<string, torch.Tensor> { ["b"] = b, ["a"] = a, ["c"] = c },
            new Dictionary<string, string> { ["format"] = "pt" });
        byte[] image = stream.ToArray();

        long headerLength = (long)BitConverter.ToUInt64(image, 0);
        Assert.AreEqual(0, headerLength % 8, "the header is padded to 8 bytes");
        string header = Encoding.UTF8.GetString(image, 8, (int)headerLength);
        using var json = JsonDocument.Parse(header);
        Assert.AreEqual("pt", json.RootElement.GetProperty("__metadata__").GetProperty("format").GetString());
        // Largest elements first (I64, F32, F16), so every tensor starts aligned to its element size.
        Assert.AreEqual("[0,16]", json.RootElement.GetProperty("c").GetProperty("data_offsets").GetRawText());
        Assert.AreEqual("[16,40]", json.RootElement.GetProperty("a").GetProperty("data_offsets").GetRawText());
        Assert.AreEqual("[40,48]", json.RootElement.GetProperty("b").GetProperty("data_offsets").GetRawText());
        Assert.AreEqual("[2,3]", json.RootElement.GetProperty("a").GetProperty("shape").GetRawText());
        Assert.AreEqual(8 + headerLength + 48, image.Length);
        Assert.AreEqual(5f, BitConverter.ToSingle(image, (int)(8 + headerLength + 16 + 5 * 4)));
    }

    [TestMethod]
    public void TheSameTensorsGiveByteIdenticalFilesAcrossRunsAndInputOrders()
    {
        using var folder = new TempFolder();
        torch.manual_seed(7);
        using var w = torch.randn(8, 4);
        using var bias = torch.randn(8);
        using var steps = torch.tensor(new long[] { 3 });
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "same" };
        SafetensorsWriter.Write(folder.File("1.safetensors"), new Dictionary<string, torch.Tensor> { ["w"] = w, ["bias"] = bias, ["steps"] = steps }, metadata);
        SafetensorsWriter.Write(folder.File("2.safetensors"), new Dictionary<string, torch.Tensor> { ["steps"] = steps, ["bias"] = bias, ["w"] = w }, metadata);
        CollectionAssert.AreEqual(File.ReadAllBytes(folder.File("1.safetensors")), File.ReadAllBytes(folder.File("2.safetensors")));
    }

    [TestMethod]
    public void NonContiguousTensorsAreWrittenInLogicalOrder()
    {
        using var folder = new TempFolder();
        using var m = torch.arange(6, dtype: torch.float64).reshape(2, 3);
        using var transposed = m.t();
        SafetensorsWriter.Write(folder.File("t.safetensors"), new Dictionary<string, torch.Tensor> { ["t"] = transposed });
        using var reader = SafetensorsReader.Open(folder.File("t.safetensors"));
        using var loaded = reader.ReadTensor("t");
        CollectionAssert.AreEqual(new double[] { 0, 3, 1, 4, 2, 5 }, loaded.data<double>().ToArray());
    }

    [TestMethod]
    public void ReadingOneTensorReadsOnlyTheHeaderAndThatTensorsBytes()
    {
        using var big1 = torch.ones(256, 256);
        using var small = torch.arange(10, dtype: torch.float32);
        using var big2 = torch.zeros(256, 256);
        using var image = new MemoryStream();
        SafetensorsWriter.Write(image, new Dictionary<string, torch.Tensor> { ["a.big"] = big1, ["b.small"] = small, ["c.big"] = big2 });

        using var counting = new CountingStream(new MemoryStream(image.ToArray()));
        using var reader = SafetensorsReader.Open(counting, "counted");
        long afterHeader = counting.BytesRead;
        using var loaded = reader.ReadTensor("b.small");

        CollectionAssert.AreEqual(Enumerable.Range(0, 10).Select(i => (float)i).ToArray(), loaded.data<float>().ToArray());
        Assert.AreEqual(40, counting.BytesRead - afterHeader, "only the 40 bytes of b.small are read after the header");
        Assert.IsLessThan(image.Length / 100, afterHeader, "the header read is tiny compared to the file");
    }

    [TestMethod]
    public void AFailedWriteLeavesNoFileAtTheTarget()
    {
        using var folder = new TempFolder();
        using var complex = torch.complex(torch.ones(2), torch.zeros(2));
        using var fine = torch.ones(2);
        string path = folder.File("model.safetensors");
        var error = Assert.ThrowsExactly<ArgumentException>(() => SafetensorsWriter.Write(path,
            new Dictionary<string, torch.Tensor> { ["ok"] = fine, ["spectral"] = complex }));
        StringAssert.Contains(error.Message, "'spectral'");
        Assert.IsEmpty(Directory.GetFiles(folder.Path));
    }

    [TestMethod]
    public void AnExistingFileIsReplacedOnlyByACompleteNewOne()
    {
        using var folder = new TempFolder();
        string path = folder.File("model.safetensors");
        using var first = torch.ones(3);
        SafetensorsWriter.Write(path, new Dictionary<string, torch.Tensor> { ["x"] = first });
        byte[] before = File.ReadAllBytes(path);
        using var bad = torch.complex(torch.ones(2), torch.ones(2));
        Assert.ThrowsExactly<ArgumentException>(() => SafetensorsWriter.Write(path, new Dictionary<string, torch.Tensor> { ["x"] = bad }));
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path));
        Assert.HasCount(1, Directory.GetFiles(folder.Path));
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int read = inner.Read(buffer, offset, count);
            BytesRead += read;
            return read;
        }

        public override int Read(Span<byte> buffer)
        {
            int read = inner.Read(buffer);
            BytesRead += read;
            return read;
        }

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
