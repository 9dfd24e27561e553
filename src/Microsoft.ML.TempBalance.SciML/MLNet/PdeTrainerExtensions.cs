using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.SciML.Training;

namespace Microsoft.ML.TempBalance.SciML.MLNet;

/// <summary>Catalog entry points of the PDE trainers, <c>WithTempBalance</c> and the PDE evaluator.</summary>
public static class PdeTrainerExtensions
{
    /// <summary>
    /// Trains PDEBench's FNO (1D or 2D by <paramref name="gridShape"/>) to map <paramref name="initialStep"/> input frames
    /// (the features vector) to the next frame (the label vector). The label column comes first and the epoch count is
    /// <paramref name="maxEpochs"/>, as in ML.NET's own regression and TorchSharp trainers.
    /// </summary>
    public static PdeRegressionTrainer FourierNeuralOperator(this RegressionCatalog.RegressionTrainers catalog, int[] gridShape,
        string labelColumnName = PdeRegressionTrainer.Defaults.LabelColumnName, string featureColumnName = PdeRegressionTrainer.Defaults.FeatureColumnName,
        int initialStep = 1, int channels = 1, int maxEpochs = PdeRegressionTrainer.Defaults.MaxEpochs, int batchSize = PdeRegressionTrainer.Defaults.BatchSize,
        double learningRate = PdeRegressionTrainer.Defaults.LearningRate, IDataView? validationSet = null) =>
        FourierNeuralOperator(catalog, new PdeRegressionTrainer.Options
        {
            GridShape = gridShape, LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName, InitialStep = initialStep, Channels = channels,
            MaxEpochs = maxEpochs, BatchSize = batchSize, LearningRate = learningRate, ValidationSet = validationSet,
        });

    /// <summary>Trains an FNO with every setting in <paramref name="options"/> (its Model is set to FNO).</summary>
    public static PdeRegressionTrainer FourierNeuralOperator(this RegressionCatalog.RegressionTrainers catalog, PdeRegressionTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        PdeRegressionTrainer.Options copy = options.Clone();
        copy.Model = PdeModelKind.Fno;
        return new PdeRegressionTrainer(CatalogEnvironment.Of(catalog), copy);
    }

    /// <summary>Trains PDEBench's UNet (grid sizes divisible by 16) to map input frames to the next frame.</summary>
    public static PdeRegressionTrainer UNet(this RegressionCatalog.RegressionTrainers catalog, int[] gridShape,
        string labelColumnName = PdeRegressionTrainer.Defaults.LabelColumnName, string featureColumnName = PdeRegressionTrainer.Defaults.FeatureColumnName,
        int initialStep = 1, int channels = 1, int maxEpochs = PdeRegressionTrainer.Defaults.MaxEpochs, int batchSize = PdeRegressionTrainer.Defaults.BatchSize,
        double learningRate = PdeRegressionTrainer.Defaults.LearningRate, IDataView? validationSet = null) =>
        UNet(catalog, new PdeRegressionTrainer.Options
        {
            GridShape = gridShape, LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName, InitialStep = initialStep, Channels = channels,
            MaxEpochs = maxEpochs, BatchSize = batchSize, LearningRate = learningRate, ValidationSet = validationSet,
        });

    /// <summary>Trains a UNet with every setting in <paramref name="options"/> (its Model is set to UNet).</summary>
    public static PdeRegressionTrainer UNet(this RegressionCatalog.RegressionTrainers catalog, PdeRegressionTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        PdeRegressionTrainer.Options copy = options.Clone();
        copy.Model = PdeModelKind.UNet;
        return new PdeRegressionTrainer(CatalogEnvironment.Of(catalog), copy);
    }

    /// <summary>A new trainer with TempBalance (the SciML defaults unless <paramref name="options"/> is given).</summary>
    public static PdeRegressionTrainer WithTempBalance(this PdeRegressionTrainer trainer, TempBalanceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        return trainer.With(options ?? PdeRegressionTrainer.Defaults.TempBalance());
    }

    /// <summary>
    /// PDE metrics of predicted frames (<paramref name="scoreColumnName"/>) against true frames
    /// (<paramref name="labelColumnName"/>), both vectors of one or more [space...][channel] frames (as many as the
    /// trainer's PredictedFrames): nRMSE (per frame, then averaged), RMSE, max error, and the cRMSE, bRMSE, fRMSE bands.
    /// </summary>
    public static PdeEvaluation EvaluatePde(this RegressionCatalog catalog, IDataView data, int[] gridShape, int channels = 1,
        string labelColumnName = PdeRegressionTrainer.Defaults.LabelColumnName, string scoreColumnName = PdeRegressionTrainer.Defaults.ScoreColumnName)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(gridShape);
        int frameSize = gridShape.Aggregate(1, (a, b) => a * b) * channels;
        int size = FramesColumnSize(data, scoreColumnName, frameSize);
        float[] truth = Read(data, labelColumnName, size, out int samples);
        float[] predicted = Read(data, scoreColumnName, size, out _);
        int frames = size / frameSize;
        PdeMetrics metrics = PdeMetrics.Compute(predicted, truth, samples, frames, frameSize / channels, channels, contextFrames: 0);
        PdeErrorSpectrum spectrum = PdeErrorSpectrum.Compute(predicted, truth, samples, frames, gridShape, channels, first: 0);
        return new PdeEvaluation(metrics.NormalizedRmse, metrics.Rmse, metrics.MaxError, spectrum.ConservedRmse, spectrum.BoundaryRmse, spectrum.FourierLow, spectrum.FourierMid, spectrum.FourierHigh);
    }

    /// <summary>
    /// PDE trajectories as rows for the PDE trainers: <paramref name="featureColumnName"/> holds each sample's first
    /// <paramref name="initialStep"/> frames and <paramref name="labelColumnName"/> the rest, both vectors of Single laid out
    /// [frame][space...][channel]. Darcy's two frames [a, u] give a → u with <paramref name="initialStep"/> 1.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialStep"/> leaves no frame for the label.</exception>
    public static IDataView LoadFromPdeDataset(this DataOperationsCatalog catalog, PdeDataset data, int initialStep = 1,
        string labelColumnName = PdeRegressionTrainer.Defaults.LabelColumnName, string featureColumnName = PdeRegressionTrainer.Defaults.FeatureColumnName)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(data);
        if (initialStep < 1 || initialStep >= data.Times)
        {
            throw new ArgumentOutOfRangeException(nameof(initialStep), $"initialStep must leave at least one of the {data.Times} frames of '{data.Equation}' for the label; got {initialStep}.");
        }

        int inputSize = initialStep * data.FrameSize;
        int labelSize = data.SampleSize - inputSize;
        SchemaDefinition schema = SchemaDefinition.Create(typeof(PdeTrajectoryRow));
        schema[nameof(PdeTrajectoryRow.Features)].ColumnName = featureColumnName;
        schema[nameof(PdeTrajectoryRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, inputSize);
        schema[nameof(PdeTrajectoryRow.Label)].ColumnName = labelColumnName;
        schema[nameof(PdeTrajectoryRow.Label)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, labelSize);
        IEnumerable<PdeTrajectoryRow> rows = Enumerable.Range(0, data.Samples).Select(s => new PdeTrajectoryRow
        {
            Features = data.Sample(s)[..inputSize].ToArray(),
            Label = data.Sample(s)[inputSize..].ToArray(),
        });
        // Rows are made as cursors ask for them (the enumeration can be repeated), so no second copy of the data is kept.
        return catalog.LoadFromEnumerable(rows, schema);
    }

    // The score column's size: whole frames of frameSize values.
    private static int FramesColumnSize(IDataView data, string column, int frameSize)
    {
        DataViewSchema.Column col = data.Schema.GetColumnOrNull(column)
            ?? throw new ArgumentOutOfRangeException(nameof(data), $"The data has no column '{column}'.");
        if (col.Type is not VectorDataViewType { ItemType: NumberDataViewType } vector || vector.Size == 0 || vector.Size % frameSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(data), $"Column '{column}' must be a vector of whole frames of {frameSize} values (grid x channels); got {col.Type}.");
        }

        return vector.Size;
    }

    private static float[] Read(IDataView data, string column, int size, out int samples)
    {
        DataViewSchema.Column col = data.Schema.GetColumnOrNull(column)
            ?? throw new ArgumentOutOfRangeException(nameof(data), $"The data has no column '{column}'.");
        var values = new List<float>();
        samples = 0;
        using DataViewRowCursor cursor = data.GetRowCursor(new[] { col });
        ValueGetter<VBuffer<float>> getter = cursor.GetGetter<VBuffer<float>>(col);
        VBuffer<float> buffer = default;
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            if (buffer.Length != size)
            {
                throw new InvalidDataException($"Row {cursor.Position}: column '{column}' holds {buffer.Length} values; expected {size}.");
            }

            values.AddRange(buffer.DenseValues());
            samples++;
        }

        return values.ToArray();
    }
}

/// <summary>PDE metrics of the predicted frames of each row (see <see cref="PdeMetrics"/> and <see cref="PdeErrorSpectrum"/>).</summary>
public sealed record PdeEvaluation(double NormalizedRmse, double Rmse, double MaxError, double ConservedRmse, double BoundaryRmse, double FourierLow, double FourierMid, double FourierHigh);
