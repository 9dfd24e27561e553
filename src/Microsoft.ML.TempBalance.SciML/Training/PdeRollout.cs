using TorchSharp;

namespace Microsoft.ML.TempBalance.SciML.Training;

/// <summary>How an FNO maps frames to frames: the window of input frames, the grid channels, single step or rollout.</summary>
internal sealed class PdeRollout : IDisposable
{
    public PdeRollout(PdeDataset shape, int initialStep, bool singleStep, int batchSize, RolloutMode mode = RolloutMode.FullRollout, int unrollSteps = 20, PdeLoss loss = PdeLoss.Mse)
    {
        Mode = mode;
        Loss = loss;
        UnrollSteps = unrollSteps;
        if (shape.Times <= initialStep && !singleStep)
        {
            throw new ArgumentException($"The data has {shape.Times} frame(s); autoregressive training with initialStep {initialStep} needs more.", nameof(initialStep));
        }

        InitialStep = singleStep ? 1 : initialStep;
        SingleStep = singleStep;
        BatchSize = batchSize;
        SpatialShape = shape.SpatialShape.ToArray();
        Channels = shape.Channels.Count;
        Grid = BuildGrid(shape);
    }

    public int InitialStep { get; }

    public RolloutMode Mode { get; }

    public PdeLoss Loss { get; }

    public int UnrollSteps { get; }

    public bool SingleStep { get; }

    public int BatchSize { get; }

    public int[] SpatialShape { get; }

    public int Channels { get; }

    /// <summary>[space..., dims] coordinates, broadcast over the batch.</summary>
    public torch.Tensor Grid { get; }

    /// <summary>Pointwise scaling around the network (owned; disposed with the rollout); null for raw fields.</summary>
    public FieldNormalizer? Normalizer { get; set; }

    /// <summary>The dataset as a tensor [sample, space..., time, channel] (PDEBench's model layout).</summary>
    public static torch.Tensor ToTensor(PdeDataset data)
    {
        var shape = new List<long> { data.Samples, data.Times };
        shape.AddRange(data.SpatialShape.Select(s => (long)s));
        shape.Add(data.Channels.Count);
        using torch.Tensor raw = torch.tensor(data.Data, shape.ToArray());
        int dims = data.SpatialShape.Count;
        long[] order = new long[] { 0 }.Concat(Enumerable.Range(2, dims).Select(i => (long)i)).Concat(new long[] { 1, dims + 2 }).ToArray();
        return raw.permute(order).contiguous().DetachFromDisposeScope();
    }

    /// <summary>Summed per-step loss (<see cref="Loss"/>) on trajectories [batch, space..., time, channel].</summary>
    public torch.Tensor TrainingLoss(torch.nn.Module<torch.Tensor, torch.Tensor, torch.Tensor> model, torch.Tensor trajectories)
    {
        long frames = trajectories.shape[^2];
        torch.Tensor grid = BatchGrid(trajectories.shape[0]);
        if (SingleStep)
        {
            torch.Tensor target = trajectories.narrow(-2, frames - 1, 1);
            return StepLoss(Step(model, trajectories.narrow(-2, 0, 1), grid), target);
        }

        torch.Tensor window = trajectories.narrow(-2, 0, InitialStep);
        torch.Tensor loss = torch.zeros(1);
        long firstWithGradient = FirstScoredFrame(frames);
        for (long t = InitialStep; t < frames; t++)
        {
            torch.Tensor target = trajectories.narrow(-2, t, 1);
            if (Mode == RolloutMode.TeacherForcing)
            {
                torch.Tensor truth = trajectories.narrow(-2, t - InitialStep, InitialStep);
                torch.Tensor noisy = truth + torch.randn_like(truth) * 0.001;
                loss = loss + StepLoss(Step(model, noisy, grid), target);
                continue;
            }

            torch.Tensor predicted;
            if (t < firstWithGradient)
            {
                using (torch.no_grad())
                {
                    predicted = Step(model, window, grid);
                }
            }
            else
            {
                predicted = Step(model, window, grid);
                loss = loss + StepLoss(predicted, target);
            }

            window = torch.cat(new[] { window.narrow(-2, 1, InitialStep - 1), predicted }, -2);
        }

        return loss.squeeze();
    }

    /// <summary>
    /// Throws when <see cref="Loss"/> is relative L2 and a channel of a frame that the loss scores is zero everywhere
    /// (its relative error would be a division by zero).
    /// </summary>
    /// <param name="trajectories">[sample, space..., time, channel], as <see cref="ToTensor"/> returns.</param>
    /// <param name="name">The dataset's name for the message.</param>
    public void RequireUsableTargets(torch.Tensor trajectories, string name)
    {
        if (Loss != PdeLoss.RelativeL2)
        {
            return;
        }

        using var scope = torch.NewDisposeScope();
        long frames = trajectories.shape[^2];
        long first = FirstScoredFrame(frames);
        torch.Tensor targets = trajectories.narrow(-2, first, frames - first).transpose(1, -2);
        torch.Tensor norms = targets.reshape(targets.shape[0], targets.shape[1], -1, Channels).abs().amax(2);
        torch.Tensor zero = (norms == 0).nonzero();
        if (zero.shape[0] > 0)
        {
            long sample = zero[0, 0].item<long>(), frame = first + zero[0, 1].item<long>(), channel = zero[0, 2].item<long>();
            throw new ArgumentException($"{name}: sample {sample}, frame {frame}, channel {channel} is zero everywhere, so its relative L2 error is undefined; use the MSE loss or drop that sample.", name);
        }
    }

    /// <summary>Predictions in the dataset's layout [sample, time, space..., channel]; context frames are copied.</summary>
    public float[] Predict(torch.nn.Module<torch.Tensor, torch.Tensor, torch.Tensor> model, PdeDataset data)
    {
        model.eval();
        var result = new float[data.Data.Length];
        using torch.Tensor all = ToTensor(data);
        int dims = data.SpatialShape.Count;
        for (int start = 0; start < data.Samples; start += BatchSize)
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            int count = Math.Min(BatchSize, data.Samples - start);
            torch.Tensor trajectories = all.narrow(0, start, count);
            torch.Tensor grid = BatchGrid(count);
            long frames = trajectories.shape[^2];
            torch.Tensor output;
            if (SingleStep)
            {
                torch.Tensor predicted = Step(model, trajectories.narrow(-2, 0, 1), grid);
                output = torch.cat(new[] { trajectories.narrow(-2, 0, frames - 1), predicted }, -2);
            }
            else
            {
                var pieces = new List<torch.Tensor> { trajectories.narrow(-2, 0, InitialStep) };
                torch.Tensor window = pieces[0];
                for (long t = InitialStep; t < frames; t++)
                {
                    torch.Tensor predicted = Step(model, window, grid);
                    pieces.Add(predicted);
                    window = torch.cat(new[] { window.narrow(-2, 1, InitialStep - 1), predicted }, -2);
                }

                output = torch.cat(pieces.ToArray(), -2);
            }

            // Back to [sample, time, space..., channel].
            long[] order = new long[] { 0, dims + 1 }.Concat(Enumerable.Range(1, dims).Select(i => (long)i)).Concat(new long[] { dims + 2 }).ToArray();
            float[] values = output.permute(order).contiguous().data<float>().ToArray();
            values.CopyTo(result, (long)start * data.SampleSize);
        }

        return result;
    }

    public PdeMetrics Evaluate(float[] predicted, PdeDataset truth, bool includeContextFrames = false) =>
        PdeMetrics.Compute(predicted, truth.Data, truth.Samples, truth.Times, truth.SpatialShape.Aggregate(1, (a, b) => a * b), truth.Channels.Count,
            SingleStep ? truth.Times - 1 : InitialStep, includeContextFrames);

    public void Dispose()
    {
        Grid.Dispose();
        Normalizer?.Dispose();
    }

    // One network step on a window [batch, space..., frames, channel] in physical units, through the normaliser if any.
    private torch.Tensor Step(torch.nn.Module<torch.Tensor, torch.Tensor, torch.Tensor> model, torch.Tensor window, torch.Tensor grid) =>
        Normalizer is null ? model.forward(Flatten(window), grid) : Normalizer.Decode(model.forward(Flatten(Normalizer.Encode(window)), grid));

    private torch.Tensor Flatten(torch.Tensor window)
    {
        long[] shape = window.shape;
        return window.reshape(shape[..^2].Append(shape[^2] * shape[^1]).ToArray());
    }

    private torch.Tensor BatchGrid(long batch) => Grid.unsqueeze(0).expand(new[] { batch }.Concat(Grid.shape).ToArray());

    private static torch.Tensor BuildGrid(PdeDataset data)
    {
        if (data.SpatialShape.Count == 1)
        {
            return torch.tensor(data.SpatialCoordinates[0]).unsqueeze(-1).DetachFromDisposeScope();
        }

        using torch.Tensor x = torch.tensor(data.SpatialCoordinates[0]);
        using torch.Tensor y = torch.tensor(data.SpatialCoordinates[1]);
        torch.Tensor[] mesh = torch.meshgrid(new[] { x, y }, indexing: "ij");
        torch.Tensor grid = torch.stack(mesh, -1).DetachFromDisposeScope();
        foreach (torch.Tensor m in mesh)
        {
            m.Dispose();
        }

        return grid;
    }

    // The first frame whose prediction is scored: the last one for single step, the first predicted one for a
    // rollout, and the first of the last UnrollSteps for pushforward.
    private long FirstScoredFrame(long frames) =>
        SingleStep ? frames - 1 : Mode == RolloutMode.Pushforward ? Math.Max(InitialStep, frames - UnrollSteps) : InitialStep;

    // [batch, space..., 1, channel]: MSE over everything, or the relative L2 error per sample and channel (norms
    // over space, as nRMSE takes them) averaged over both.
    private torch.Tensor StepLoss(torch.Tensor predicted, torch.Tensor target)
    {
        if (Loss == PdeLoss.Mse)
        {
            return torch.nn.functional.mse_loss(predicted, target);
        }

        long batch = target.shape[0];
        torch.Tensor difference = torch.linalg.vector_norm((predicted - target).reshape(batch, -1, Channels), dims: new long[] { 1 });
        torch.Tensor reference = torch.linalg.vector_norm(target.reshape(batch, -1, Channels), dims: new long[] { 1 });
        return (difference / reference).mean();
    }
}
