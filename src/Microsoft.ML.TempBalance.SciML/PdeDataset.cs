namespace Microsoft.ML.TempBalance.SciML;

/// <summary>
/// PDE trajectories in one layout: <see cref="Data"/> is [sample, time, space..., channel] (row-major, float32),
/// with the coordinates of each axis and the equation's parameters. Darcy flow is stored as two frames,
/// [a(x), u(x)], the way PDEBench's loaders present it.
/// </summary>
public sealed class PdeDataset
{
    /// <summary>Creates a dataset after checking the data length against the shape.</summary>
    public PdeDataset(string equation, float[] data, int samples, int times, IReadOnlyList<int> spatialShape, IReadOnlyList<string> channels,
        IReadOnlyList<float[]> spatialCoordinates, float[] timeCoordinate, IReadOnlyDictionary<string, double> parameters)
    {
        ArgumentNullException.ThrowIfNull(data);
        Equation = equation;
        Samples = samples;
        Times = times;
        SpatialShape = spatialShape;
        Channels = channels;
        long expected = (long)samples * times * spatialShape.Aggregate(1L, (a, b) => a * b) * channels.Count;
        if (data.LongLength != expected)
        {
            throw new ArgumentException($"Data holds {data.LongLength} values; [{samples}, {times}, {string.Join(", ", spatialShape)}, {channels.Count}] needs {expected}.", nameof(data));
        }

        if (spatialCoordinates.Count != spatialShape.Count || spatialCoordinates.Where((c, i) => c.Length != spatialShape[i]).Any())
        {
            throw new ArgumentException("One coordinate array per spatial axis, of the axis's length, is needed.", nameof(spatialCoordinates));
        }

        Data = data;
        SpatialCoordinates = spatialCoordinates;
        TimeCoordinate = timeCoordinate;
        Parameters = parameters;
    }

    /// <summary>advection, burgers, cfd1d, darcy, cfd2d (or the PDEBench file's family).</summary>
    public string Equation { get; }

    /// <summary>Values, [sample, time, space..., channel].</summary>
    public float[] Data { get; }

    /// <summary>Number of samples.</summary>
    public int Samples { get; }

    /// <summary>Number of frames per sample.</summary>
    public int Times { get; }

    /// <summary>Points per spatial axis (one entry in 1D, two in 2D).</summary>
    public IReadOnlyList<int> SpatialShape { get; }

    /// <summary>Channel names, e.g. <c>u</c>, or <c>density</c>, <c>pressure</c>, <c>Vx</c>.</summary>
    public IReadOnlyList<string> Channels { get; }

    /// <summary>Cell-centre coordinates per spatial axis.</summary>
    public IReadOnlyList<float[]> SpatialCoordinates { get; }

    /// <summary>Times of the frames (PDEBench files store one more entry than frames; see the HDF5 reader).</summary>
    public float[] TimeCoordinate { get; }

    /// <summary>Equation parameters (beta, Nu, eta, zeta, ...).</summary>
    public IReadOnlyDictionary<string, double> Parameters { get; }

    /// <summary>Values per frame (space x channels).</summary>
    public int FrameSize => SpatialShape.Aggregate(1, (a, b) => a * b) * Channels.Count;

    /// <summary>Values per sample.</summary>
    public int SampleSize => FrameSize * Times;

    /// <summary>One sample's values, [time, space..., channel].</summary>
    public ReadOnlySpan<float> Sample(int index) => Data.AsSpan(index * SampleSize, SampleSize);

    /// <summary>
    /// One frame of one sample, [space..., channel], copied from <see cref="Data"/> or, when given, from
    /// <paramref name="values"/> laid out like it (a prediction, say).
    /// </summary>
    public float[] Frame(int sample, int frame, float[]? values = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sample);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(sample, Samples);
        ArgumentOutOfRangeException.ThrowIfNegative(frame);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(frame, Times);
        values ??= Data;
        if (values.Length != Data.Length)
        {
            throw new ArgumentException($"Expected {Data.Length} values laid out like this dataset; got {values.Length}.", nameof(values));
        }

        return values.AsSpan(sample * SampleSize + frame * FrameSize, FrameSize).ToArray();
    }

    /// <summary>Samples [start, start + count) as a new dataset (the paper's subsampling takes the first ⌊ratio·N⌋).</summary>
    public PdeDataset Subset(int start, int count)
    {
        if (start < 0 || count < 1 || start + count > Samples)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"Samples [{start}, {start + count}) are outside the dataset's {Samples}.");
        }

        float[] data = Data.AsSpan(start * SampleSize, count * SampleSize).ToArray();
        return new PdeDataset(Equation, data, count, Times, SpatialShape, Channels, SpatialCoordinates, TimeCoordinate, Parameters);
    }

    /// <summary>The samples at <paramref name="indices"/>, in that order, as a new dataset.</summary>
    public PdeDataset Select(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var data = new float[indices.Count * SampleSize];
        for (int k = 0; k < indices.Count; k++)
        {
            if (indices[k] < 0 || indices[k] >= Samples)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), indices[k], $"Sample {indices[k]} is outside the dataset's {Samples}.");
            }

            Data.AsSpan(indices[k] * SampleSize, SampleSize).CopyTo(data.AsSpan(k * SampleSize));
        }

        return new PdeDataset(Equation, data, indices.Count, Times, SpatialShape, Channels, SpatialCoordinates, TimeCoordinate, Parameters);
    }

    /// <summary>The first NaN or infinite value, as (sample, flat index within the sample), or null.</summary>
    public (int Sample, int Offset)? FirstNonFinite()
    {
        for (long i = 0; i < Data.LongLength; i++)
        {
            if (!float.IsFinite(Data[i]))
            {
                return ((int)(i / SampleSize), (int)(i % SampleSize));
            }
        }

        return null;
    }
}
