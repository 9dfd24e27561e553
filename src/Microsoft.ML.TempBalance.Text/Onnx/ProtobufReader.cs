namespace Microsoft.ML.TempBalance.Text.Onnx;

/// <summary>
/// A forward-only reader of the protobuf wire format (varints, fixed 32/64-bit, length-delimited fields) over a
/// byte range. Every length is checked against the range, so a truncated or foreign file fails with
/// <see cref="InvalidDataException"/> instead of reading past the end.
/// </summary>
internal struct ProtobufReader
{
    private readonly ReadOnlyMemory<byte> _data;
    private int _position;

    public ProtobufReader(ReadOnlyMemory<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly bool AtEnd => _position >= _data.Length;

    /// <summary>The next field number and wire type.</summary>
    public (int Field, int WireType) ReadTag()
    {
        ulong tag = ReadVarint();
        int field = (int)(tag >> 3);
        int wireType = (int)(tag & 7);
        if (field <= 0 || wireType is 3 or 4 or > 5)
        {
            throw new InvalidDataException($"invalid protobuf field (tag {tag}) at byte {_position}");
        }

        return (field, wireType);
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw new InvalidDataException($"a number runs past the end at byte {_position}");
            }

            byte b = _data.Span[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new InvalidDataException($"a number longer than 10 bytes at byte {_position}");
    }

    public long ReadInt64() => (long)ReadVarint();

    public float ReadFloat() => BitConverter.Int32BitsToSingle((int)ReadFixed(4));

    public double ReadDouble() => BitConverter.Int64BitsToDouble((long)ReadFixed(8));

    public ReadOnlyMemory<byte> ReadBytes()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
        {
            throw new InvalidDataException($"a field of {length} bytes at byte {_position} runs past the end ({_data.Length - _position} bytes left)");
        }

        ReadOnlyMemory<byte> bytes = _data.Slice(_position, (int)length);
        _position += (int)length;
        return bytes;
    }

    public string ReadString() => System.Text.Encoding.UTF8.GetString(ReadBytes().Span);

    /// <summary>Skips a field of the given wire type.</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0: ReadVarint(); break;
            case 1: ReadFixed(8); break;
            case 2: ReadBytes(); break;
            case 5: ReadFixed(4); break;
            default: throw new InvalidDataException($"unsupported wire type {wireType} at byte {_position}");
        }
    }

    /// <summary>Repeated int64: packed (wire type 2) or one value (wire type 0).</summary>
    public void ReadInt64s(int wireType, List<long> into)
    {
        if (wireType == 0)
        {
            into.Add(ReadInt64());
            return;
        }

        var packed = new ProtobufReader(ReadBytes());
        while (!packed.AtEnd)
        {
            into.Add(packed.ReadInt64());
        }
    }

    /// <summary>Repeated float: packed (wire type 2) or one value (wire type 5).</summary>
    public void ReadFloats(int wireType, List<float> into)
    {
        if (wireType == 5)
        {
            into.Add(ReadFloat());
            return;
        }

        ReadOnlyMemory<byte> bytes = ReadBytes();
        if (bytes.Length % 4 != 0)
        {
            throw new InvalidDataException($"packed floats of {bytes.Length} bytes (not a multiple of 4) before byte {_position}");
        }

        for (int i = 0; i < bytes.Length; i += 4)
        {
            into.Add(BitConverter.ToSingle(bytes.Span.Slice(i, 4)));
        }
    }

    private ulong ReadFixed(int size)
    {
        if (_position + size > _data.Length)
        {
            throw new InvalidDataException($"a {size}-byte value runs past the end at byte {_position}");
        }

        ulong value = size == 4 ? BitConverter.ToUInt32(_data.Span.Slice(_position, 4)) : BitConverter.ToUInt64(_data.Span.Slice(_position, 8));
        _position += size;
        return value;
    }
}
