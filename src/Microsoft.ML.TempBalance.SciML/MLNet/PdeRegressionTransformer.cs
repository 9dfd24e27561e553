using System.Text.Json;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.SciML.Training;

namespace Microsoft.ML.TempBalance.SciML.MLNet;

/// <summary>
/// A fitted neural PDE solver: adds <c>Score</c>, the predicted frames (vector of Single, PredictedFrames x points x
/// channels, rolled out from the input frames in <c>Features</c>), scoring rows in batches. Save and load with
/// <see cref="TorchModelOperations.SaveTorchModel"/> / <see cref="TorchModelOperations.LoadTorchModel"/>.
/// </summary>
public sealed class PdeRegressionTransformer : ITransformer, IPersistentTransformer, IPersistentTransformerLoader, IDisposable
{
    internal const string KindName = "PdeRegression";
    private const string OptionsFile = "tempbalance-pde.json";
    private const string WeightsFile = "model.safetensors";
    private readonly PdeSolver _solver;
    private readonly PdeRegressionTrainer.Options _options;
    private readonly Scorer _scorer;

    internal PdeRegressionTransformer(PdeSolver solver, PdeRegressionTrainer.Options options)
    {
        _solver = solver;
        _options = options;
        _scorer = new Scorer(solver, options);
    }

    /// <summary>The trained solver (model, predict, evaluate).</summary>
    public PdeSolver Solver => _solver;

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    string IPersistentTransformer.Kind => KindName;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _scorer.OutputSchema(inputSchema);

    /// <inheritdoc />
    public IDataView Transform(IDataView input) => new ScoredDataView(input ?? throw new ArgumentNullException(nameof(input)), _scorer);

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new ScoringRowMapper(inputSchema, _scorer);

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        TorchPlaceholder.SaveInPlaceOf(this, ctx);
    }

    void IPersistentTransformer.WriteState(string folder)
    {
        _solver.Save(Path.Combine(folder, WeightsFile));
        var o = _options;
        var state = new State(o.Model, o.GridShape, o.Channels, o.InitialStep, o.FeatureColumnName, o.LabelColumnName, o.ScoreColumnName, o.Modes, o.Width, o.UNetFeatures, o.BatchSize)
        {
            PredictedFrames = o.PredictedFrames, SingleStep = o.SingleStep, SpatialCoordinates = o.SpatialCoordinates,
        };
        File.WriteAllBytes(Path.Combine(folder, OptionsFile), JsonSerializer.SerializeToUtf8Bytes(state));
    }

    static ITransformer IPersistentTransformerLoader.Load(IHostEnvironment environment, string folder) => LoadState(environment, folder);

    internal static PdeRegressionTransformer LoadState(IHostEnvironment environment, string folder)
    {
        string path = Path.Combine(folder, OptionsFile);
        State s = JsonSerializer.Deserialize<State>(File.ReadAllBytes(path)) ?? throw new InvalidDataException($"'{path}' is empty.");
        var options = new PdeRegressionTrainer.Options
        {
            Model = s.Model, GridShape = s.GridShape, Channels = s.Channels, InitialStep = s.InitialStep, FeatureColumnName = s.FeatureColumnName,
            LabelColumnName = s.LabelColumnName, ScoreColumnName = s.ScoreColumnName, Modes = s.Modes, Width = s.Width, UNetFeatures = s.UNetFeatures, BatchSize = s.BatchSize,
            PredictedFrames = s.PredictedFrames, SingleStep = s.SingleStep, SpatialCoordinates = s.SpatialCoordinates,
        };
        options.Validate();
        PdeDataset shape = PdeRows.Dataset(options, new float[options.FrameSize * options.Frames], 1);
        PdeSolver solver = PdeSolver.Load(Path.Combine(folder, WeightsFile), shape, options.ToTraining(0));
        return new PdeRegressionTransformer(solver, options);
    }

    /// <inheritdoc />
    public void Dispose() => _solver.Dispose();

    // The init-only members came later; models saved before them load with their defaults (one next frame, a
    // rollout, cell centres of [0, 1]).
    private sealed record State(Training.PdeModelKind Model, int[] GridShape, int Channels, int InitialStep, string FeatureColumnName, string LabelColumnName, string ScoreColumnName, int Modes, int Width, int UNetFeatures, int BatchSize)
    {
        public int PredictedFrames { get; init; } = 1;

        public bool SingleStep { get; init; }

        public float[][]? SpatialCoordinates { get; init; }
    }

    private sealed class Scorer : BatchScorer
    {
        private readonly PdeSolver _solver;
        private readonly PdeRegressionTrainer.Options _options;
        private readonly object _sync = new();

        public Scorer(PdeSolver solver, PdeRegressionTrainer.Options options)
        {
            _solver = solver;
            _options = options;
            OutputColumns = new[] { new DataViewSchema.DetachedColumn(options.ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, options.FrameSize * options.PredictedFrames)) };
            InputColumns = new[] { options.FeatureColumnName };
        }

        public override int BatchSize => _options.BatchSize;

        public override IReadOnlyList<string> InputColumns { get; }

        public override IReadOnlyList<DataViewSchema.DetachedColumn> OutputColumns { get; }

        public override Func<object> InputReader(DataViewRow row)
        {
            DataViewSchema.Column column = row.Schema[_options.FeatureColumnName];
            ValueGetter<VBuffer<float>> getter = row.GetGetter<VBuffer<float>>(column);
            int size = _options.FrameSize * _options.InitialStep;
            return () =>
            {
                VBuffer<float> value = default;
                getter(ref value);
                if (value.Length != size)
                {
                    throw new InvalidDataException($"Column '{_options.FeatureColumnName}' holds {value.Length} values; the model expects {size} ({_options.InitialStep} frame(s) of [{string.Join(" x ", _options.GridShape)}] x {_options.Channels}).");
                }

                return value.DenseValues().ToArray();
            };
        }

        public override object[] Score(IReadOnlyList<object> inputs)
        {
            if (inputs.Count == 0)
            {
                return Array.Empty<object>();
            }

            int sample = _options.FrameSize * _options.Frames;
            int predictedSize = _options.FrameSize * _options.PredictedFrames;
            var data = new float[inputs.Count * sample];
            for (int i = 0; i < inputs.Count; i++)
            {
                ((float[])inputs[i]).CopyTo(data, i * sample);
            }

            PdeDataset batch = PdeRows.Dataset(_options, data, inputs.Count);
            float[] predicted;
            lock (_sync)
            {
                predicted = _solver.Predict(batch);
            }

            return Enumerable.Range(0, inputs.Count).Select(i => (object)predicted.AsSpan(i * sample + sample - predictedSize, predictedSize).ToArray()).ToArray();
        }

        public override Delegate Getter(int output, Func<object> current) =>
            (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
            {
                float[] frame = (float[])current();
                var editor = VBufferEditor.Create(ref value, frame.Length);
                frame.CopyTo(editor.Values);
                value = editor.Commit();
            });
    }
}
