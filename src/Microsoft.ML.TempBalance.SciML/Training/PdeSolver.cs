using Microsoft.ML.TempBalance.Checkpoints;
using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.Schedules;
using Microsoft.ML.TempBalance.SciML.Models;
using Microsoft.ML.TempBalance.Training;
using TorchSharp;

namespace Microsoft.ML.TempBalance.SciML.Training;

/// <summary>A trained FNO or UNet (1D or 2D by the data) with its rollout settings: predict, evaluate, save and load.</summary>
public sealed class PdeSolver : IDisposable
{
    private readonly PdeRollout _rollout;

    private PdeSolver(torch.nn.Module<torch.Tensor, torch.Tensor, torch.Tensor> model, PdeRollout rollout, TrainingResult? result)
    {
        Model = model;
        _rollout = rollout;
        Result = result;
    }

    /// <summary>The network (<see cref="Fno1d"/>, <see cref="Fno2d"/> or <see cref="UNet"/>).</summary>
    public torch.nn.Module<torch.Tensor, torch.Tensor, torch.Tensor> Model { get; }

    /// <summary>What training did (null for a loaded model).</summary>
    public TrainingResult? Result { get; }

    /// <summary>Trains the configured model on <paramref name="train"/>, validating on <paramref name="validation"/> each epoch.</summary>
    /// <exception cref="ArgumentException">The data's frames, channels or values do not fit the options (named).</exception>
    public static PdeSolver Train(PdeDataset train, PdeDataset? validation, PdeTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        Check(train, options, nameof(train));
        if (validation is not null)
        {
            Check(validation, options, nameof(validation));
        }

        // The task checks the targets and may refuse them, so it comes before anything else that needs disposing.
        var rollout = Rollout(train, options);
        PdeTrainingTask task;
        try
        {
            string described = System.Text.Json.JsonSerializer.Serialize(new
            {
                options.ModelKind, options.Model, options.UNetFeatures, options.Rollout, options.UnrollSteps, options.Loss, options.Normalization, options.SingleStep,
            });
            task = new PdeTrainingTask(train, validation, rollout, options.Normalization, described);
        }
        catch
        {
            rollout.Dispose();
            throw;
        }

        using PdeTrainingTask owned = task;
        torch.nn.Module<torch.Tensor, torch.Tensor, torch.Tensor> model = CreateUntrained(train, options);
        var engine = new TrainingEngine(new TrainingOptions
        {
            Epochs = options.Epochs,
            BatchSize = options.BatchSize,
            Seed = options.Seed,
            LearningRate = options.LearningRate,
            WeightDecay = options.WeightDecay,
            Schedule = new ScheduleSettings { Kind = ScheduleKind.StepDecay, StepSizeEpochs = options.StepSizeEpochs, Gamma = options.Gamma },
            Optimizer = options.Optimizer,
            GradientClipNorm = null,
            TempBalance = options.TempBalance,
            Threads = options.Threads,
            Checkpoint = options.TrainingState,
        });
        try
        {
            TrainingResult result = engine.Train(model, task, options.Reporter);
            return new PdeSolver(model, rollout, result);
        }
        catch
        {
            model.Dispose();
            rollout.Dispose();
            throw;
        }
    }

    /// <summary>The network <see cref="Train"/> starts from: same seed, same initialisation (for "before" diagnostics).</summary>
    public static torch.nn.Module<torch.Tensor, torch.Tensor, torch.Tensor> CreateUntrained(PdeDataset shape, PdeTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(options);
        torch.manual_seed(options.Seed);
        return Create(shape, options);
    }

    /// <summary>Predicted trajectories in the data's layout (context frames copied from the data).</summary>
    public float[] Predict(PdeDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return _rollout.Predict(Model, data);
    }

    /// <summary>nRMSE, RMSE and max error of the rollout on <paramref name="data"/>.</summary>
    public PdeMetrics Evaluate(PdeDataset data, bool includeContextFrames = false) =>
        _rollout.Evaluate(Predict(data), data, includeContextFrames);

    /// <summary>The metrics of predictions already made by <see cref="Predict"/> (no second rollout).</summary>
    public PdeMetrics Evaluate(PdeDataset data, float[] predicted, bool includeContextFrames = false)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(predicted);
        return _rollout.Evaluate(predicted, data, includeContextFrames);
    }

    /// <summary>cRMSE, bRMSE and fRMSE bands of the rollout on <paramref name="data"/> (predicted frames only).</summary>
    public PdeErrorSpectrum ErrorSpectrum(PdeDataset data)
    {
        float[] predicted = Predict(data);
        return PdeErrorSpectrum.Compute(predicted, data.Data, data.Samples, data.Times, data.SpatialShape, data.Channels.Count, _rollout.SingleStep ? data.Times - 1 : _rollout.InitialStep);
    }

    /// <summary>Writes the weights, and the normalisation statistics if any, as safetensors (atomically; refuses NaN).</summary>
    public void Save(string path)
    {
        if (_rollout.Normalizer is null)
        {
            ModuleCheckpoint.Save(Model, path);
            return;
        }

        var tensors = new Dictionary<string, torch.Tensor>(Model.state_dict());
        foreach ((string name, torch.Tensor tensor) in _rollout.Normalizer.Tensors)
        {
            tensors.Add(name, tensor);
        }

        ModuleCheckpoint.SaveTensors(tensors, path);
    }

    /// <summary>
    /// A model of the same architecture with weights from <paramref name="path"/>; normalisation statistics in the file
    /// are used whatever <see cref="PdeTrainingOptions.Normalization"/> says, since they belong to those weights.
    /// </summary>
    /// <exception cref="InvalidDataException">The file's tensors do not match the architecture (named).</exception>
    public static PdeSolver Load(string path, PdeDataset shape, PdeTrainingOptions options)
    {
        torch.nn.Module<torch.Tensor, torch.Tensor, torch.Tensor> model = Create(shape, options);
        PdeRollout? rollout = null;
        try
        {
            ModuleCheckpoint.Load(model, path, companion: FieldNormalizer.Owns);
            rollout = Rollout(shape, options);
            rollout.Normalizer = FieldNormalizer.Read(path);
            return new PdeSolver(model, rollout, null);
        }
        catch
        {
            model.Dispose();
            rollout?.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Model.Dispose();
        _rollout.Dispose();
    }

    private static PdeRollout Rollout(PdeDataset shape, PdeTrainingOptions options) =>
        new(shape, options.Model.InitialStep, options.SingleStep, options.BatchSize, options.Rollout, options.UnrollSteps, options.Loss);

    private static torch.nn.Module<torch.Tensor, torch.Tensor, torch.Tensor> Create(PdeDataset data, PdeTrainingOptions options)
    {
        int dims = data.SpatialShape.Count;
        if (dims is not (1 or 2))
        {
            throw new ArgumentException($"FNO and UNet support 1D and 2D data; '{data.Equation}' has {dims} spatial axes.", nameof(data));
        }

        if (options.ModelKind == PdeModelKind.UNet)
        {
            int? odd = data.SpatialShape.Cast<int?>().FirstOrDefault(s => s % 16 != 0);
            if (odd is not null)
            {
                throw new ArgumentException($"UNet needs spatial sizes divisible by 16; '{data.Equation}' is [{string.Join(", ", data.SpatialShape)}].", nameof(data));
            }

            return new UNet(dims, options.Model.InitialStep * options.Model.Channels, options.Model.Channels, options.UNetFeatures);
        }

        return dims == 1 ? new Fno1d(options.Model) : new Fno2d(options.Model);
    }

    private static void Check(PdeDataset data, PdeTrainingOptions options, string name)
    {
        if (data.Channels.Count != options.Model.Channels)
        {
            throw new ArgumentException($"The {name} data has {data.Channels.Count} channel(s); the model was configured for {options.Model.Channels}.", name);
        }

        if (!options.SingleStep && data.Times <= options.Model.InitialStep)
        {
            throw new ArgumentException($"The {name} data has {data.Times} frame(s); InitialStep {options.Model.InitialStep} leaves nothing to predict.", name);
        }

        if (options.SingleStep && options.Model.InitialStep != 1)
        {
            throw new ArgumentException("Single-step training uses one input frame: set Model.InitialStep = 1.", name);
        }

        if (data.FirstNonFinite() is { } bad)
        {
            throw new ArgumentException($"The {name} data ('{data.Equation}') holds a NaN or infinite value in sample {bad.Sample} (offset {bad.Offset}).", name);
        }
    }
}
