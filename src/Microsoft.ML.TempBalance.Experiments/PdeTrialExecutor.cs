using System.Diagnostics;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.SciML;
using Microsoft.ML.TempBalance.SciML.MLNet;
using Microsoft.ML.TempBalance.SciML.Training;
using Microsoft.ML.TempBalance.Spectral;
using Microsoft.ML.TempBalance.Training;

namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>
/// Runs one trial of a PDE task through the public ML.NET estimators (as a user would: trajectories as rows, FNO or
/// UNet trainer, <c>WithTempBalance</c>, <c>EvaluatePde</c>) and records the diagnostics.
/// </summary>
internal static class PdeTrialExecutor
{
    public static TrialResult Run(Trial trial, ExperimentSpec spec, PdeExperimentData data, ITrainingReporter? reporter)
    {
        var clock = Stopwatch.StartNew();
        PdeTaskSpec task = spec.Task.Pde!;
        int[] indices = TrialRecording.TrainingIndices(spec, trial, data.Pool.Samples);
        PdeDataset train = spec.Subsampling == Subsampling.First ? data.Pool.Subset(0, indices.Length) : data.Pool.Select(indices);
        var ml = new MLContext(seed: trial.Seed);
        PdeRegressionTrainer.Options options = Options(trial, spec, task, data.Pool, reporter);
        options.ValidationSet = ml.Data.LoadFromPdeDataset(data.Validation, options.InitialStep);
        TrialConfiguration c = trial.Configuration;
        PdeRegressionTrainer trainer = task.Kind == PdeModelKind.UNet ? ml.Regression.Trainers.UNet(options) : ml.Regression.Trainers.FourierNeuralOperator(options);
        if (c.TempBalance)
        {
            TempBalanceOptions balance = PdeTrainingOptions.DefaultTempBalance(balanceSpectralWeights: c.SpectralWeights) with { Mapping = TrialRecording.Mapping(c) };
            trainer = trainer.WithTempBalance(TrialRecording.WithCadence(balance, c));
        }

        var analyzer = new SpectralAnalyzer(PdeTrainingOptions.DefaultTempBalance().Analyzer);
        SpectralReport before;
        using (var untrained = PdeSolver.CreateUntrained(train, options.ToTraining(trial.Seed)))
        {
            before = analyzer.Analyze(untrained, "initial");
        }

        using PdeRegressionTransformer model = trainer.Fit(ml.Data.LoadFromPdeDataset(train, options.InitialStep));
        SpectralReport after = analyzer.Analyze(model.Solver.Model, "trained");
        IDataView scored = model.Transform(ml.Data.LoadFromPdeDataset(data.Test, options.InitialStep));
        double test = ml.Regression.EvaluatePde(scored, options.GridShape, options.Channels).NormalizedRmse;
        return TrialRecording.Result(trial, indices.Length, trainer.LastResult!, v => v.Metric, "nRMSE", test, before, after, clock.Elapsed);
    }

    private static PdeRegressionTrainer.Options Options(Trial trial, ExperimentSpec spec, PdeTaskSpec task, PdeDataset shape, ITrainingReporter? reporter)
    {
        // Darcy maps a(x) to u(x): one step between two different fields.
        bool single = shape.Equation == "darcy";
        int initialStep = single ? 1 : task.InitialStep;
        TrialConfiguration c = trial.Configuration;
        return new PdeRegressionTrainer.Options
        {
            Model = task.Kind,
            GridShape = shape.SpatialShape.ToArray(),
            Channels = shape.Channels.Count,
            SpatialCoordinates = shape.SpatialCoordinates.ToArray(),
            InitialStep = initialStep,
            PredictedFrames = shape.Times - initialStep,
            SingleStep = single,
            Modes = task.Modes,
            Width = task.Width,
            UNetFeatures = task.UNetFeatures,
            MaxEpochs = spec.Epochs,
            BatchSize = c.BatchSize,
            LearningRate = c.LearningRate,
            WeightDecay = task.WeightDecay,
            StepSizeEpochs = task.StepSizeEpochs,
            Loss = task.LossKind,
            Normalization = task.NormalizationKind,
            Optimizer = TrialRecording.Optimizer(c.Optimizer, OptimizerKind.Adam),
            Seed = trial.Seed,
            NumberOfThreads = task.Threads,
            Reporter = reporter,
        };
    }
}
