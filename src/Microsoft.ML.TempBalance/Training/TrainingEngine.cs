using System.Diagnostics;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Checkpoints;
using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.Runtime;
using Microsoft.ML.TempBalance.Schedules;
using TorchSharp;
using static System.FormattableString;

namespace Microsoft.ML.TempBalance.Training;

/// <summary>
/// The training loop shared by every trainer of the library: seeded shuffling and batching, the base schedule and
/// TempBalance, gradient clipping, NaN/Inf detection, per-epoch validation with best-epoch selection,
/// cancellation and progress. Each step runs in its own dispose scope, so no tensor outlives its step.
/// </summary>
public sealed class TrainingEngine
{
    /// <summary>Creates the engine.</summary>
    public TrainingEngine(TrainingOptions options)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
    }

    /// <summary>The settings.</summary>
    public TrainingOptions Options { get; }

    /// <summary>Trains <paramref name="model"/> in place.</summary>
    /// <param name="model">The model (its parameters with requires_grad are trained).</param>
    /// <param name="task">Loss and validation.</param>
    /// <param name="reporter">Progress receiver (optional).</param>
    /// <param name="cancellation">Stops training between steps; nothing is saved (a checkpoint already written stays).</param>
    /// <exception cref="TrainingDivergedException">The loss, gradients or weights became NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="IOException">The checkpoint file exists and <see cref="TrainingCheckpointOptions.Resume"/> is off.</exception>
    /// <exception cref="InvalidDataException">The checkpoint to resume from is damaged or belongs to another model.</exception>
    /// <exception cref="ArgumentException">The checkpoint was written by a run with other settings (named).</exception>
    public TrainingResult Train(torch.nn.Module model, ITrainingTask task, ITrainingReporter? reporter = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(task);
        if (task.ExampleCount < 1)
        {
            throw new ArgumentException($"The training set is empty (ExampleCount = {task.ExampleCount}).", nameof(task));
        }

        reporter ??= new SilentReporter();
        TorchRuntime.SetThreadCount(Options.Threads > 0 ? Options.Threads : Environment.ProcessorCount);
        torch.manual_seed(Options.Seed);
        var random = new Random(Options.Seed);
        int examples = task.ExampleCount;
        int stepsPerEpoch = (examples + Options.BatchSize - 1) / Options.BatchSize;
        long totalSteps = (long)stepsPerEpoch * Options.Epochs;

        TempBalanceOptions? balance = Options.TempBalance;
        if (balance?.Cadence is ReferenceCadence reference)
        {
            balance = balance with { Cadence = reference.Resolve(stepsPerEpoch) };
        }

        ParameterGrouping grouping = balance is null ? ParameterGrouping.Uniform(model) : ParameterGrouping.Create(model, balance);
        IBaseSchedule schedule = Options.Schedule.Create(Options.LearningRate, totalSteps, stepsPerEpoch);
        using GroupedOptimizer optimizer = OptimizerFactory.Create(grouping, Options.LearningRate, Options.WeightDecay, Options.Optimizer);
        using TempBalanceScheduler? balancer = balance is null ? null : new TempBalanceScheduler(optimizer, grouping, schedule, balance);
        ILearningRateController controller = balancer ?? (ILearningRateController)new UniformLearningRate(optimizer, schedule);
        var updates = new List<BalanceUpdate>();
        if (balancer is not null)
        {
            balancer.Updated += (_, update) =>
            {
                updates.Add(update);
                reporter.Balanced(update);
                foreach (string warning in update.Warnings)
                {
                    reporter.Message($"TempBalance: {warning}");
                }
            };
        }

        reporter.Message(Invariant($"Training {examples} examples, {stepsPerEpoch} steps/epoch x {Options.Epochs} epochs, {Options.Optimizer}, lr {Options.LearningRate:G4} ({Options.Schedule.Kind}), ")
            + (balance is null ? "no TempBalance" : $"TempBalance {balance.Mapping.Name} over {grouping.Units.Count} {grouping.Mode.ToString().ToLowerInvariant()}(s), {balance.Cadence}"));

        var epochs = new List<EpochSummary>();
        Dictionary<string, torch.Tensor>? best = null;
        ValidationResult? bestValidation = null;
        int bestEpoch = Options.Epochs - 1;
        long step = 0;
        int firstEpoch = 0;
        int threads = Options.Threads > 0 ? Options.Threads : Environment.ProcessorCount;
        TrainingCheckpointOptions? checkpoint = Options.Checkpoint;
        List<RunSetting>? settings = checkpoint is null ? null : RunSetting.Of(Options, balance, task, grouping);
        var clock = Stopwatch.StartNew();
        try
        {
            if (checkpoint is not null && File.Exists(checkpoint.Path))
            {
                if (!checkpoint.Resume)
                {
                    throw new IOException($"'{checkpoint.Path}' already holds a training checkpoint; resume from it (Resume, --resume), or delete it to start over.");
                }

                TrainingCheckpoint.Resumed resumed = TrainingCheckpoint.Resume(checkpoint.Path, settings!, Options.Epochs, stepsPerEpoch, model, optimizer, balancer);
                best = resumed.Best;
                firstEpoch = resumed.State.CompletedEpochs;
                step = resumed.State.Step;
                bestEpoch = resumed.State.BestEpoch;
                bestValidation = resumed.State.BestValidation;
                epochs.AddRange(resumed.State.Epochs);
                // System.Random's state cannot be saved; replaying the finished epochs' shuffles brings it to the same point.
                for (int epoch = 0; epoch < firstEpoch && Options.Shuffle; epoch++)
                {
                    random.Shuffle(new int[examples]);
                }

                reporter.Message($"Resumed from '{checkpoint.Path}' after epoch {firstEpoch} of {Options.Epochs} (step {step}).");
                if (resumed.State.Threads != threads)
                {
                    reporter.Message($"The checkpoint was written with {resumed.State.Threads} torch thread(s) and this run uses {threads}: sums may round differently, so the weights can differ in the last bits from an uninterrupted run.");
                }
            }

            for (int epoch = firstEpoch; epoch < Options.Epochs; epoch++)
            {
                var epochClock = Stopwatch.StartNew();
                int[] order = Enumerable.Range(0, examples).ToArray();
                if (Options.Shuffle)
                {
                    random.Shuffle(order);
                }

                model.train();
                double lossSum = 0;
                for (int start = 0; start < examples; start += Options.BatchSize, step++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    int[] batch = order[start..Math.Min(examples, start + Options.BatchSize)];
                    FinalizerRaceGuard.Enter();
                    double loss = TrainStep(model, task, optimizer, controller, batch, epoch, step);
                    lossSum += loss;
                    reporter.StepCompleted(new TrainingProgress(epoch, step, totalSteps, loss, schedule.LearningRateAt(step), clock.Elapsed.TotalSeconds));
                }

                FinalizerRaceGuard.Enter();
                ValidationResult? validation = Validate(model, task);
                if (validation is not null && Options.KeepBestEpoch && validation.IsBetterThan(bestValidation))
                {
                    bestValidation = validation;
                    bestEpoch = epoch;
                    DisposeAll(best);
                    best = Snapshot(model);
                }

                var summary = new EpochSummary(epoch, lossSum / stepsPerEpoch, validation, schedule.LearningRateAt(step - 1),
                    balancer?.LastUpdate?.AlphaStd ?? double.NaN, epochClock.Elapsed.TotalSeconds)
                {
                    BlockAlphaStd = balancer?.LastUpdate?.BlockAlphaStd ?? double.NaN,
                };
                epochs.Add(summary);
                if (checkpoint is not null && ((epoch + 1) % checkpoint.EveryEpochs == 0 || epoch == Options.Epochs - 1))
                {
                    string? nonFinite = ModuleCheckpoint.FirstNonFinite(model.state_dict());
                    if (nonFinite is not null)
                    {
                        throw new TrainingDivergedException($"Training produced NaN or infinite values in '{nonFinite}' by epoch {epoch + 1}; no checkpoint was written.", epoch, step - 1);
                    }

                    var state = new TrainingCheckpoint.State(settings!, threads, epoch + 1, step, bestEpoch, bestValidation, epochs.ToList(), balancer?.CaptureState(step, epoch + 1));
                    var writing = Stopwatch.StartNew();
                    TrainingCheckpoint.Write(checkpoint.Path, state, model, optimizer, best);
                    reporter.Message(Invariant($"Checkpoint after epoch {epoch + 1}: '{checkpoint.Path}' ({new FileInfo(checkpoint.Path).Length / 1048576.0:F1} MB, {writing.Elapsed.TotalSeconds:F2} s)."));
                }

                reporter.EpochCompleted(summary);
                reporter.Message(Describe(summary));
            }

            if (best is not null && bestEpoch != Options.Epochs - 1)
            {
                Restore(model, best);
                reporter.Message($"Restored the weights of epoch {bestEpoch + 1} (best {bestValidation!.Name} {bestValidation.Metric:G6}).");
            }

            string? bad = ModuleCheckpoint.FirstNonFinite(model.state_dict());
            if (bad is not null)
            {
                throw new TrainingDivergedException($"Training produced NaN or infinite values in '{bad}' by step {step - 1}; no model was saved.", Options.Epochs - 1, step - 1);
            }

            if (Options.OutputPath is not null)
            {
                ModuleCheckpoint.Save(model, Options.OutputPath);
            }
        }
        finally
        {
            FinalizerRaceGuard.Exit();
            DisposeAll(best);
        }

        return new TrainingResult
        {
            Epochs = epochs,
            BestEpoch = bestEpoch,
            BestValidation = bestValidation ?? epochs[^1].Validation,
            BalanceUpdates = updates,
            Steps = step,
            TotalSeconds = clock.Elapsed.TotalSeconds,
            BalanceSeconds = balancer?.AnalysisSeconds ?? 0,
            Grouping = grouping,
        };
    }

    private double TrainStep(torch.nn.Module model, ITrainingTask task, GroupedOptimizer optimizer, ILearningRateController controller, int[] batch, int epoch, long step)
    {
        using var scope = torch.NewDisposeScope();
        controller.BeforeStep(step, epoch);
        optimizer.ZeroGrad();
        double loss = ForwardBackward(model, task, optimizer, batch, epoch, step, out _);
        optimizer.Step(optimizer.NeedsClosure
            ? () =>
            {
                optimizer.ZeroGrad();
                ForwardBackward(model, task, optimizer, batch, epoch, step, out torch.Tensor second);
                return second.MoveToOuterDisposeScope();
            }
            : null);
        return loss;
    }

    private double ForwardBackward(torch.nn.Module model, ITrainingTask task, GroupedOptimizer optimizer, int[] batch, int epoch, long step, out torch.Tensor loss)
    {
        loss = task.Loss(model, batch);
        if (loss.numel() != 1)
        {
            throw new InvalidOperationException($"The training task returned a loss of shape [{string.Join(", ", loss.shape)}]; a scalar is expected.");
        }

        double value = loss.to(torch.float64).item<double>();
        if (!double.IsFinite(value))
        {
            throw new TrainingDivergedException(
                $"Training diverged at epoch {epoch + 1}, step {step}: the loss is {value}. Lower the learning rate or enable gradient clipping; no model was saved.", epoch, step);
        }

        loss.backward();
        // Without clipping the norm is still computed, to catch non-finite gradients (1e30 never clips and fits a float).
        double norm = torch.nn.utils.clip_grad_norm_(optimizer.Parameters, Options.GradientClipNorm ?? 1e30);
        if (!double.IsFinite(norm))
        {
            throw new TrainingDivergedException(
                $"Training diverged at epoch {epoch + 1}, step {step}: the gradient norm is {norm}. Lower the learning rate; no model was saved.", epoch, step);
        }

        return value;
    }

    private static ValidationResult? Validate(torch.nn.Module model, ITrainingTask task)
    {
        model.eval();
        try
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            return task.Validate(model);
        }
        finally
        {
            model.train();
        }
    }

    private static Dictionary<string, torch.Tensor> Snapshot(torch.nn.Module model)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        return model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone().DetachFromDisposeScope());
    }

    private static void Restore(torch.nn.Module model, Dictionary<string, torch.Tensor> state)
    {
        using var noGrad = torch.no_grad();
        foreach ((string name, torch.Tensor tensor) in model.state_dict())
        {
            tensor.copy_(state[name]);
        }
    }

    private static void DisposeAll(Dictionary<string, torch.Tensor>? tensors)
    {
        foreach (torch.Tensor tensor in tensors?.Values ?? Enumerable.Empty<torch.Tensor>())
        {
            tensor.Dispose();
        }
    }

    private static string Describe(EpochSummary epoch) =>
        Invariant($"Epoch {epoch.Epoch + 1}: loss {epoch.TrainLoss:G5}")
        + (epoch.Validation is { } v ? Invariant($", {v.Name} {v.Metric:G5}") : "")
        + Invariant($", lr {epoch.LearningRate:G4}")
        + (double.IsNaN(epoch.AlphaStd) ? "" : Invariant($", alpha std {epoch.AlphaStd:F3} across layers"))
        + (double.IsNaN(epoch.BlockAlphaStd) ? "" : Invariant($", {epoch.BlockAlphaStd:F3} across blocks"))
        + Invariant($" ({epoch.Seconds:F1} s)");

    private sealed class SilentReporter : ITrainingReporter
    {
    }
}
