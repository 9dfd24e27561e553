using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.SciML.Generators;
using Microsoft.ML.TempBalance.SciML.Models;
using Microsoft.ML.TempBalance.SciML.Training;
using Microsoft.ML.TempBalance.Training;

namespace Microsoft.ML.TempBalance.SciML.MLNet;

/// <summary>
/// Trains a neural PDE solver (FNO or UNet, PDEBench's architectures and protocol) that maps input frames to the
/// frames that follow, as an ML.NET regression trainer. With one label frame each row is one step; with
/// <see cref="Options.PredictedFrames"/> &gt; 1 each row is a whole trajectory, trained and scored as PDEBench's
/// autoregressive rollout. Darcy flow is the single-step case a(x) → u(x) (<see cref="Options.SingleStep"/>).
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>Input column</term><description>Type</description></listheader>
/// <item><term>Features</term><description>Vector of Single, size InitialStep x points x channels, laid out [frame][space...][channel]</description></item>
/// <item><term>Label</term><description>Vector of Single, size PredictedFrames x points x channels, same layout: the frames after the input</description></item>
/// </list>
/// <list type="table">
/// <listheader><term>Output column</term><description>Type</description></listheader>
/// <item><term>Score</term><description>Vector of Single, size PredictedFrames x points x channels: the predicted frames (a rollout from the input frames)</description></item>
/// </list>
/// </remarks>
public sealed class PdeRegressionTrainer : IEstimator<PdeRegressionTransformer>
{
    private readonly IHostEnvironment _environment;

    internal PdeRegressionTrainer(IHostEnvironment environment, Options options)
    {
        _environment = environment ?? throw new ArgumentNullException(nameof(environment));
        TrainerOptions = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
    }

    /// <summary>The settings.</summary>
    public Options TrainerOptions { get; }

    /// <summary>What the last <see cref="Fit"/> did; null before.</summary>
    public TrainingResult? LastResult { get; private set; }

    /// <summary>Defaults shared by the catalog overloads (PDEBench's).</summary>
    public static class Defaults
    {
        /// <summary>Input frames column.</summary>
        public const string FeatureColumnName = "Features";

        /// <summary>Target frame column.</summary>
        public const string LabelColumnName = "Label";

        /// <summary>Predicted frame column.</summary>
        public const string ScoreColumnName = "Score";

        /// <summary>Epochs (PDEBench's 500).</summary>
        public const int MaxEpochs = 500;

        /// <summary>Samples per step.</summary>
        public const int BatchSize = 50;

        /// <summary>Initial learning rate (StepLR halves it every 100 epochs).</summary>
        public const double LearningRate = 1e-3;

        /// <summary>The SciML TempBalance defaults (TB_Sigmoid per layer, every epoch, MinEigenvalues 12).</summary>
        public static TempBalanceOptions TempBalance() => PdeTrainingOptions.DefaultTempBalance();
    }

    /// <summary>Settings (public fields, ML.NET style).</summary>
    public sealed class Options
    {
        /// <summary>FNO or UNet.</summary>
        public PdeModelKind Model = PdeModelKind.Fno;

        /// <summary>Points per spatial axis, e.g. { 64, 64 } or { 128 }. Required.</summary>
        public int[] GridShape = Array.Empty<int>();

        /// <summary>Physical channels per point.</summary>
        public int Channels = 1;

        /// <summary>Input frames in the features column.</summary>
        public int InitialStep = 1;

        /// <summary>
        /// Frames in the label (and score) column: 1 for the next frame; more for the rest of a trajectory, which the
        /// model rolls out from the input frames, feeding each prediction back (trained on the whole rollout, PDEBench's
        /// autoregressive protocol).
        /// </summary>
        public int PredictedFrames = 1;

        /// <summary>
        /// The label is another field than the features (Darcy's a(x) → u(x)), not a later time step: one network step,
        /// with input and output normalised separately under <see cref="Normalization"/>. Needs InitialStep and
        /// PredictedFrames of 1.
        /// </summary>
        public bool SingleStep;

        /// <summary>
        /// Coordinates of the grid points per axis (the FNO sees them as extra input channels), e.g. the data's cell
        /// centres on [-1, 1]; null: cell centres of [0, 1]. Saved with the model.
        /// </summary>
        public float[][]? SpatialCoordinates;

        /// <summary>Input frames column.</summary>
        public string FeatureColumnName = Defaults.FeatureColumnName;

        /// <summary>Target frame column.</summary>
        public string LabelColumnName = Defaults.LabelColumnName;

        /// <summary>Output column.</summary>
        public string ScoreColumnName = Defaults.ScoreColumnName;

        /// <summary>FNO modes.</summary>
        public int Modes = 12;

        /// <summary>FNO width.</summary>
        public int Width = 20;

        /// <summary>UNet features of the first level.</summary>
        public int UNetFeatures = 32;

        /// <summary>Epochs (the same name as the text trainers' and ML.NET's).</summary>
        public int MaxEpochs = Defaults.MaxEpochs;

        /// <summary>Samples per step (and rows per scoring batch).</summary>
        public int BatchSize = Defaults.BatchSize;

        /// <summary>Initial learning rate.</summary>
        public double LearningRate = Defaults.LearningRate;

        /// <summary>Adam's coupled L2 weight decay.</summary>
        public double WeightDecay = 1e-4;

        /// <summary>Optimizer (PDEBench: Adam with coupled L2 weight decay; AdamW, SGD, AdaFactor and SAM available).</summary>
        public OptimizerSettings Optimizer = new() { Kind = OptimizerKind.Adam };

        /// <summary>Training objective per step: MSE (PDEBench, the default) or relative L2 (Li et al.'s FNO paper).</summary>
        public PdeLoss Loss = PdeLoss.Mse;

        /// <summary>Field scaling around the network: none (PDEBench, the default) or pointwise Gaussian (Li et al.); saved with the model.</summary>
        public PdeNormalization Normalization = PdeNormalization.None;

        /// <summary>Epochs between learning-rate halvings.</summary>
        public int StepSizeEpochs = 100;

        /// <summary>Validation data (best epoch kept). Optional.</summary>
        public IDataView? ValidationSet;

        /// <summary>Seed; null takes one from the MLContext.</summary>
        public int? Seed;

        /// <summary>Torch threads (0: all cores).</summary>
        public int NumberOfThreads;

        /// <summary>TempBalance; null for none.</summary>
        public TempBalanceOptions? TempBalance;

        /// <summary>Progress receiver besides the ML.NET log.</summary>
        public ITrainingReporter? Reporter;

        /// <summary>
        /// Resumable checkpoints (weights, optimizer, TempBalance and random state, written atomically at epoch ends): a
        /// run killed midway and fitted again with <see cref="TrainingCheckpointOptions.Resume"/> ends with the weights
        /// an uninterrupted run would have. Null for none.
        /// </summary>
        public TrainingCheckpointOptions? TrainingState;

        internal Options Clone() => (Options)MemberwiseClone();

        internal int Points => GridShape.Aggregate(1, (a, b) => a * b);

        internal int FrameSize => Points * Channels;

        internal int Frames => InitialStep + PredictedFrames;

        // The grid the model sees: the given coordinates, or cell centres of [0, 1] per axis.
        internal float[][] Coordinates => SpatialCoordinates ?? GridShape.Select(n => PdeGenerators.CellCentres(n, 0, 1)).ToArray();

        internal void Validate()
        {
            if (GridShape.Length is not (1 or 2) || GridShape.Any(s => s < 2))
            {
                throw new ArgumentOutOfRangeException(nameof(GridShape), $"GridShape must list 1 or 2 axis sizes of at least 2, e.g. {{ 64, 64 }}; got [{string.Join(", ", GridShape)}].");
            }

            ArgumentOutOfRangeException.ThrowIfLessThan(Channels, 1, nameof(Channels));
            ArgumentOutOfRangeException.ThrowIfLessThan(InitialStep, 1, nameof(InitialStep));
            ArgumentOutOfRangeException.ThrowIfLessThan(PredictedFrames, 1, nameof(PredictedFrames));
            if (SingleStep && (InitialStep != 1 || PredictedFrames != 1))
            {
                throw new ArgumentOutOfRangeException(nameof(SingleStep), $"SingleStep maps one frame to one frame; got InitialStep {InitialStep} and PredictedFrames {PredictedFrames}.");
            }

            if (SpatialCoordinates is not null && (SpatialCoordinates.Length != GridShape.Length || SpatialCoordinates.Where((c, i) => c is null || c.Length != GridShape[i] || c.Any(v => !float.IsFinite(v))).Any()))
            {
                throw new ArgumentOutOfRangeException(nameof(SpatialCoordinates), $"SpatialCoordinates must hold one array of finite values per axis, of the axis's size [{string.Join(", ", GridShape)}].");
            }

            ArgumentNullException.ThrowIfNull(Optimizer, nameof(Optimizer));
            ArgumentOutOfRangeException.ThrowIfLessThan(MaxEpochs, 1, nameof(MaxEpochs));
            ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
            if (Model == PdeModelKind.UNet && GridShape.Any(s => s % 16 != 0))
            {
                throw new ArgumentOutOfRangeException(nameof(GridShape), $"UNet needs every grid size divisible by 16; got [{string.Join(", ", GridShape)}].");
            }
        }

        internal PdeTrainingOptions ToTraining(int seed) => new()
        {
            ModelKind = Model,
            Model = new FnoOptions { Modes = Modes, Width = Width, InitialStep = InitialStep, Channels = Channels },
            UNetFeatures = UNetFeatures,
            SingleStep = SingleStep,
            Optimizer = Optimizer,
            Epochs = MaxEpochs,
            BatchSize = BatchSize,
            LearningRate = LearningRate,
            WeightDecay = WeightDecay,
            Loss = Loss,
            Normalization = Normalization,
            StepSizeEpochs = StepSizeEpochs,
            Seed = seed,
            Threads = NumberOfThreads,
            TempBalance = TempBalance,
            Reporter = Reporter,
            TrainingState = TrainingState,
        };
    }

    internal PdeRegressionTrainer With(TempBalanceOptions? balance)
    {
        Options copy = TrainerOptions.Clone();
        copy.TempBalance = balance;
        return new PdeRegressionTrainer(_environment, copy);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        foreach (string name in new[] { TrainerOptions.FeatureColumnName, TrainerOptions.LabelColumnName })
        {
            if (SchemaShapes.Find(inputSchema, name) is not { ItemType: NumberDataViewType, Kind: SchemaShape.Column.VectorKind.Vector or SchemaShape.Column.VectorKind.VariableVector })
            {
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"The data needs a Single vector column '{name}'.");
            }
        }

        return SchemaShapes.With(inputSchema, SchemaShapes.Vector(TrainerOptions.ScoreColumnName, NumberDataViewType.Single, slotNames: false));
    }

    /// <inheritdoc />
    public PdeRegressionTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        IHost host = _environment.Register(nameof(PdeRegressionTrainer));
        using IChannel channel = host.Start("Training");
        Options o = TrainerOptions;
        PdeDataset train = PdeRows.Read(input, o, "training", withLabel: true);
        PdeDataset? validation = o.ValidationSet is null ? null : PdeRows.Read(o.ValidationSet, o, "validation", withLabel: true);
        // Without a seed of its own, a resumed fit takes the one it started with (the MLContext would draw another).
        int seed = o.Seed ?? TrainingCheckpoint.SeedToResume(o.TrainingState) ?? host.Rand.Next();
        channel.Info(MessageSensitivity.None, $"Training {o.Model} on {train.Samples} samples of [{string.Join(" x ", o.GridShape)}] x {o.Channels} channel(s), {o.InitialStep} input and {o.PredictedFrames} predicted frame(s).");
        PdeSolver solver = PdeSolver.Train(train, validation, o.ToTraining(seed));
        LastResult = solver.Result;
        return new PdeRegressionTransformer(solver, o.Clone());
    }
}
