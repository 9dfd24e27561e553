using Microsoft.ML.TempBalance.IO;
using PureHDF;
using PureHDF.Selections;

namespace Microsoft.ML.TempBalance.SciML.Data;

/// <summary>
/// Reads and writes PDEBench HDF5 files (sciml-notes 1): scalar 1D files (<c>tensor</c> [N, T, X]), CFD files
/// (<c>density</c>, <c>pressure</c>, <c>Vx</c>[, <c>Vy</c>] of [N, T, X(, Y)]) and DarcyFlow (<c>nu</c> [N, X, Y] and
/// <c>tensor</c> [N, 1, X, Y]), with <c>x-/y-/t-coordinate</c> and the parameters as root attributes.
/// </summary>
public static class PdeBenchHdf5
{
    private static readonly string[] CfdFields = { "density", "pressure", "Vx", "Vy" };

    /// <summary>Reads a file with strided partial reads.</summary>
    /// <exception cref="InvalidDataException">Missing datasets, inconsistent shapes or NaN values (file, dataset and expectation named).</exception>
    public static PdeDataset Read(string path, PdeBenchReadOptions? options = null)
    {
        options ??= new PdeBenchReadOptions();
        options.Validate();
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No PDEBench file at '{path}'.", path);
        }

        try
        {
            using var file = H5File.OpenRead(path);
            string[] fields = CfdFields.Where(file.LinkExists).ToArray();
            if (fields.Length > 0)
            {
                return ReadCfd(path, file, fields, options);
            }

            if (!file.LinkExists("tensor"))
            {
                throw new InvalidDataException($"'{path}' has neither 'tensor' nor CFD datasets (density, pressure, Vx): not a PDEBench file.");
            }

            return file.LinkExists("nu") ? ReadDarcy(path, file, options) : ReadScalar(path, file, options);
        }
        catch (Exception e) when (e is not (InvalidDataException or UnauthorizedAccessException or OutOfMemoryException) && (e is not IOException || e is EndOfStreamException))
        {
            // PureHDF reports a damaged file as System.Exception, NotSupportedException, ... without the file's name.
            throw new InvalidDataException($"'{path}' is not a readable HDF5 file: {e.Message}", e);
        }
    }

    /// <summary>Writes <paramref name="data"/> in the PDEBench layout of its equation, atomically.</summary>
    public static void Write(PdeDataset data, string path)
    {
        ArgumentNullException.ThrowIfNull(data);
        var root = new H5File();
        int n = data.Samples, t = data.Times;
        ulong[] space = data.SpatialShape.Select(s => (ulong)s).ToArray();
        if (data.Equation == "darcy")
        {
            int points = data.SpatialShape[0] * data.SpatialShape[1];
            var nu = new float[n * points];
            var u = new float[n * points];
            for (int s = 0; s < n; s++)
            {
                data.Data.AsSpan(s * data.SampleSize, points).CopyTo(nu.AsSpan(s * points));
                data.Data.AsSpan(s * data.SampleSize + points, points).CopyTo(u.AsSpan(s * points));
            }

            root["nu"] = new H5Dataset<float[]>(nu, fileDims: new[] { (ulong)n }.Concat(space).ToArray());
            root["tensor"] = new H5Dataset<float[]>(u, fileDims: new[] { (ulong)n, 1UL }.Concat(space).ToArray());
        }
        else if (data.Channels.Count == 1)
        {
            root["tensor"] = new H5Dataset<float[]>(data.Data, fileDims: new[] { (ulong)n, (ulong)t }.Concat(space).ToArray());
        }
        else
        {
            int channels = data.Channels.Count;
            int points = data.FrameSize / channels;
            for (int c = 0; c < channels; c++)
            {
                var field = new float[(long)n * t * points];
                for (long i = 0; i < field.LongLength; i++)
                {
                    field[i] = data.Data[i * channels + c];
                }

                root[data.Channels[c]] = new H5Dataset<float[]>(field, fileDims: new[] { (ulong)n, (ulong)t }.Concat(space).ToArray());
            }
        }

        string[] axes = { "x-coordinate", "y-coordinate" };
        for (int a = 0; a < data.SpatialShape.Count; a++)
        {
            root[axes[a]] = data.SpatialCoordinates[a];
        }

        // PDEBench stores one more time than frames.
        float step = data.TimeCoordinate.Length > 1 ? data.TimeCoordinate[^1] - data.TimeCoordinate[^2] : 1f;
        root["t-coordinate"] = data.TimeCoordinate.Append(data.TimeCoordinate[^1] + step).ToArray();
        foreach ((string key, double value) in data.Parameters)
        {
            root.Attributes[key] = value;
        }

        AtomicFile.Write(path, stream => root.Write(stream));
    }

    private static PdeDataset ReadScalar(string path, PureHDF.VOL.Native.NativeFile file, PdeBenchReadOptions options)
    {
        IH5Dataset tensor = file.Dataset("tensor");
        ulong[] dims = tensor.Space.Dimensions;
        if (dims.Length is < 3 or > 4)
        {
            throw new InvalidDataException($"'{path}': dataset 'tensor' has shape [{string.Join(", ", dims)}]; expected [samples, time, x] or [samples, time, x, y].");
        }

        (float[] values, int[] shape) = ReadStrided(path, tensor, "tensor", options, timeAxis: true);
        int[] spatial = shape[2..];
        string equation = file.AttributeExists("Nu") ? "burgers" : file.AttributeExists("beta") ? "advection" : "scalar";
        return new PdeDataset(equation, values, shape[0], shape[1], spatial, new[] { "u" }, Coordinates(path, file, spatial.Length, options), Times(path, file, shape[1], options), Parameters(file));
    }

    private static PdeDataset ReadCfd(string path, PureHDF.VOL.Native.NativeFile file, string[] fields, PdeBenchReadOptions options)
    {
        float[][] parts = new float[fields.Length][];
        int[]? shape = null;
        for (int f = 0; f < fields.Length; f++)
        {
            (parts[f], int[] fieldShape) = ReadStrided(path, file.Dataset(fields[f]), fields[f], options, timeAxis: true);
            if (shape is not null && !shape.SequenceEqual(fieldShape))
            {
                throw new InvalidDataException($"'{path}': dataset '{fields[f]}' has shape [{string.Join(", ", fieldShape)}] after striding, '{fields[0]}' [{string.Join(", ", shape)}]; CFD fields must match.");
            }

            shape = fieldShape;
        }

        int channels = fields.Length;
        var data = new float[parts[0].LongLength * channels];
        for (long i = 0; i < parts[0].LongLength; i++)
        {
            for (int c = 0; c < channels; c++)
            {
                data[i * channels + c] = parts[c][i];
            }
        }

        int[] spatial = shape![2..];
        return new PdeDataset(spatial.Length == 1 ? "cfd1d" : "cfd2d", data, shape[0], shape[1], spatial, fields, Coordinates(path, file, spatial.Length, options), Times(path, file, shape[1], options), Parameters(file));
    }

    private static PdeDataset ReadDarcy(string path, PureHDF.VOL.Native.NativeFile file, PdeBenchReadOptions options)
    {
        (float[] a, int[] aShape) = ReadStrided(path, file.Dataset("nu"), "nu", options, timeAxis: false);
        (float[] u, int[] uShape) = ReadStrided(path, file.Dataset("tensor"), "tensor", options, timeAxis: true);
        if (aShape.Length != 3 || uShape.Length != 4 || uShape[1] != 1 || aShape[0] != uShape[0] || aShape[1] != uShape[2] || aShape[2] != uShape[3])
        {
            throw new InvalidDataException($"'{path}': DarcyFlow needs 'nu' [N, X, Y] and 'tensor' [N, 1, X, Y]; got [{string.Join(", ", aShape)}] and [{string.Join(", ", uShape)}] after striding.");
        }

        int n = aShape[0], points = aShape[1] * aShape[2];
        var data = new float[(long)n * 2 * points];
        for (int s = 0; s < n; s++)
        {
            a.AsSpan(s * points, points).CopyTo(data.AsSpan(s * 2 * points));
            u.AsSpan(s * points, points).CopyTo(data.AsSpan(s * 2 * points + points));
        }

        int[] spatial = aShape[1..];
        return new PdeDataset("darcy", data, n, 2, spatial, new[] { "u" }, Coordinates(path, file, 2, options), new[] { 0f, 1f }, Parameters(file));
    }

    // Reads [N, (T,) space...] with the strides; returns the values and the strided shape.
    private static (float[] Values, int[] Shape) ReadStrided(string path, IH5Dataset dataset, string name, PdeBenchReadOptions options, bool timeAxis)
    {
        ulong[] dims = dataset.Space.Dimensions;
        RequirePlausibleSize(path, dataset, name);
        var strides = new ulong[dims.Length];
        for (int axis = 0; axis < dims.Length; axis++)
        {
            strides[axis] = axis == 0 ? (ulong)options.ReducedBatch
                : axis == 1 && timeAxis ? (ulong)options.ReducedResolutionT
                : axis == 1 && dims[1] == 1 ? 1UL
                : (ulong)options.ReducedResolution;
        }

        if (timeAxis && dims.Length > 1 && dims[1] == 1)
        {
            strides[1] = 1; // Darcy's single solution frame
        }

        ulong[] counts = dims.Select((d, i) => (d + strides[i] - 1) / strides[i]).ToArray();
        if (options.MaxSamples is int max)
        {
            counts[0] = Math.Min(counts[0], (ulong)max);
        }

        var selection = new HyperslabSelection(dims.Length, new ulong[dims.Length], strides, counts, Enumerable.Repeat(1UL, dims.Length).ToArray());
        float[] values = dataset.Read<float[]>(selection, null, new[] { counts.Aggregate(1UL, (a, b) => a * b) });
        for (long i = 0; i < values.LongLength; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                long perSample = values.LongLength / (long)counts[0];
                throw new InvalidDataException($"'{path}': dataset '{name}' holds {values[i]} in (strided) sample {i / perSample}; PDE data must be finite.");
            }
        }

        return (values, counts.Select(c => (int)c).ToArray());
    }

    // A damaged header can claim a dataset of any size; the values must fit in the file (PDEBench files are not
    // compressed; 64x leaves room for files that are) before anything is allocated for them.
    private static void RequirePlausibleSize(string path, IH5Dataset dataset, string name)
    {
        double bytes = dataset.Space.Dimensions.Aggregate(1.0, (a, d) => a * d) * Math.Max(1, dataset.Type.Size);
        long fileLength = File.Exists(path) ? new FileInfo(path).Length : long.MaxValue;
        if (bytes > Math.Max(64.0 * fileLength, 1 << 20))
        {
            throw new InvalidDataException($"'{path}': dataset '{name}' claims [{string.Join(", ", dataset.Space.Dimensions)}] values ({bytes / (1 << 20):F0} MB) in a file of {fileLength} bytes; the file is damaged.");
        }
    }

    private static IReadOnlyList<float[]> Coordinates(string path, PureHDF.VOL.Native.NativeFile file, int axes, PdeBenchReadOptions options)
    {
        string[] names = { "x-coordinate", "y-coordinate" };
        var result = new List<float[]>();
        for (int a = 0; a < axes; a++)
        {
            if (!file.LinkExists(names[a]))
            {
                throw new InvalidDataException($"'{path}' has no '{names[a]}' dataset.");
            }

            IH5Dataset axis = file.Dataset(names[a]);
            RequirePlausibleSize(path, axis, names[a]);
            float[] all = axis.Read<float[]>();
            result.Add(all.Where((_, i) => i % options.ReducedResolution == 0).ToArray());
        }

        return result;
    }

    private static float[] Times(string path, PureHDF.VOL.Native.NativeFile file, int frames, PdeBenchReadOptions options)
    {
        if (!file.LinkExists("t-coordinate"))
        {
            return Enumerable.Range(0, frames).Select(i => (float)i).ToArray();
        }

        IH5Dataset times = file.Dataset("t-coordinate");
        RequirePlausibleSize(path, times, "t-coordinate");
        float[] all = times.Read<float[]>();
        return all.Where((_, i) => i % options.ReducedResolutionT == 0).Take(frames).ToArray();
    }

    private static Dictionary<string, double> Parameters(PureHDF.VOL.Native.NativeFile file) =>
        file.Attributes().ToDictionary(a => a.Name, a => ReadNumber(a));

    private static double ReadNumber(IH5Attribute attribute)
    {
        // h5py writes Python floats as float64; some files carry float32 attributes.
        return attribute.Type.Size == 4 ? attribute.Read<float>() : attribute.Read<double>();
    }
}
