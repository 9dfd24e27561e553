using Microsoft.ML.Data;

namespace Microsoft.ML.TempBalance.SciML.MLNet;

/// <summary>Turns rows of feature (input frames) and label (following frames) vectors into a <see cref="PdeDataset"/> of InitialStep + PredictedFrames frames.</summary>
internal static class PdeRows
{
    public static PdeDataset Read(IDataView data, PdeRegressionTrainer.Options options, string what, bool withLabel)
    {
        int inputSize = options.FrameSize * options.InitialStep;
        int labelSize = options.FrameSize * options.PredictedFrames;
        DataViewSchema.Column features = VectorColumn(data, options.FeatureColumnName, inputSize, what);
        DataViewSchema.Column? label = withLabel ? VectorColumn(data, options.LabelColumnName, labelSize, what) : null;
        // Sized up front when the view knows its row count, so reading does not double a list of the whole data set.
        long? known = data.GetRowCount();
        var rows = new List<float>(known is long n && n * (inputSize + labelSize) < int.MaxValue ? (int)(n * (inputSize + labelSize)) : 0);
        int count = 0;
        using DataViewRowCursor cursor = data.GetRowCursor(label is null ? new[] { features } : new[] { features, label.Value });
        ValueGetter<VBuffer<float>> getFeatures = cursor.GetGetter<VBuffer<float>>(features);
        ValueGetter<VBuffer<float>>? getLabel = label is null ? null : cursor.GetGetter<VBuffer<float>>(label.Value);
        VBuffer<float> x = default, y = default;
        while (cursor.MoveNext())
        {
            getFeatures(ref x);
            Append(rows, x, inputSize, options.FeatureColumnName, cursor.Position, what);
            if (getLabel is not null)
            {
                getLabel(ref y);
                Append(rows, y, labelSize, options.LabelColumnName, cursor.Position, what);
            }
            else
            {
                rows.AddRange(new float[labelSize]);
            }

            count++;
        }

        if (count == 0)
        {
            throw new ArgumentException($"The {what} data is empty.", nameof(data));
        }

        return Dataset(options, rows.ToArray(), count);
    }

    /// <summary>
    /// <paramref name="count"/> samples of InitialStep + PredictedFrames frames on the options' grid, the layout the
    /// trainer, the scorer and a loaded model share.
    /// </summary>
    public static PdeDataset Dataset(PdeRegressionTrainer.Options options, float[] data, int count) =>
        new("rows", data, count, options.Frames, options.GridShape, Enumerable.Range(0, options.Channels).Select(c => $"c{c}").ToArray(),
            options.Coordinates, Enumerable.Range(0, options.Frames).Select(i => (float)i).ToArray(), new Dictionary<string, double>());

    private static DataViewSchema.Column VectorColumn(IDataView data, string name, int size, string what)
    {
        DataViewSchema.Column column = data.Schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(data), $"The {what} data has no column '{name}'; expected a vector of {size} Single values.");
        if (column.Type is not VectorDataViewType { ItemType: NumberDataViewType number } vector || number != NumberDataViewType.Single || (vector.Size != 0 && vector.Size != size))
        {
            throw new ArgumentOutOfRangeException(nameof(data), $"Schema mismatch for column '{name}': expected a vector of {size} Single values, got {column.Type}.");
        }

        return column;
    }

    private static void Append(List<float> rows, VBuffer<float> vector, int size, string column, long row, string what)
    {
        if (vector.Length != size)
        {
            throw new InvalidDataException($"Row {row} of the {what} data has {vector.Length} values in '{column}'; expected {size}.");
        }

        foreach (float value in vector.DenseValues())
        {
            if (!float.IsFinite(value))
            {
                throw new InvalidDataException($"Row {row} of the {what} data has {value} in '{column}'; PDE data must be finite.");
            }

            rows.Add(value);
        }
    }
}
