using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.SciML.Models;
using Microsoft.ML.TempBalance.SciML.Training;
using Microsoft.ML.TempBalance.Training;

namespace Microsoft.ML.TempBalance.SciML.MLNet;

/// <summary>
/// Trains a neural PDE solver (FNO or UNet, PDEBench's architectures and protocol) that maps input frames to the
/// next frame, as an ML.NET regression trainer. Darcy flow is the one-frame case a(x) → u(x).
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>Input column</term><description>Type</description></listheader>
/// <item><term>Features</term><description>Vector of Single, size InitialStep x points x channels, laid out [frame][space...][channel]</description></item>
/// <item><term>Label</term><description>Vector of Single, size points x channels: the next frame</description></item>
/// </list>
/// <list type="table">
/// <listheader><term>Output column</term><description>Type</description></listheader>
/// <item><term>Score</term><description>Vector of Single, size points x channels: the predicted frame</description></item>
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

        internal Options Clone() => (Options)MemberwiseClone();

        internal int Points => GridShape.Aggregate(1, (a, b) => a * b);

        internal void Validate()
        {
            if (GridShape.Length is not (1 or 2) || GridShape.Any(s => s < 2))
            {
                throw new ArgumentOutOfRangeException(nameof(GridShape), $"GridShape must list 1 or 2 axis sizes of at least 2, e.g. {{ 64, 64 }}; got [{string.Join(", ", GridShape)}].");
            }

            ArgumentOutOfRangeException.ThrowIfLessThan(Channels, 1, nameof(Channels));
            ArgumentOutOfRangeException.ThrowIfLessThan(InitialStep, 1, nameof(InitialStep));
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
        int seed = o.Seed ?? host.Rand.Next();
        channel.Info(MessageSensitivity.None, $"Training {o.Model} on {train.Samples} samples of [{string.Join(" x ", o.GridShape)}] x {o.Channels} channel(s), {o.InitialStep} input frame(s).");
        PdeSolver solver = PdeSolver.Train(train, validation, o.ToTraining(seed));
        LastResult = solver.Result;
        return new PdeRegressionTransformer(solver, o.Clone());
    }
}
