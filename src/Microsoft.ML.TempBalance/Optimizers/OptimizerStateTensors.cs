using TorchSharp;

namespace Microsoft.ML.TempBalance.Optimizers;

/// <summary>
/// Reading back an optimizer's state from named tensors (a training checkpoint): every tensor is checked against the
/// parameter's own state before anything is copied, so a damaged file is refused by name instead of training on
/// moments of the wrong shape, type or value.
/// </summary>
internal static class OptimizerStateTensors
{
    /// <summary>A step counter as a 0-d int64 tensor.</summary>
    public static torch.Tensor Step(long step) => torch.tensor(step, torch.int64);

    /// <summary>The step counter stored under <paramref name="key"/>.</summary>
    /// <exception cref="InvalidDataException">Missing, not a 0-d int64, or negative.</exception>
    public static long ReadStep(IReadOnlyDictionary<string, torch.Tensor> state, string key)
    {
        torch.Tensor tensor = Get(state, key);
        if (tensor.dtype != torch.int64 || tensor.dim() != 0)
        {
            throw new InvalidDataException($"Optimizer state '{key}' is a {tensor.dtype} tensor of shape [{string.Join(", ", tensor.shape)}]; a 0-d int64 step count is expected.");
        }

        long step = tensor.item<long>();
        return step >= 0 ? step : throw new InvalidDataException($"Optimizer state '{key}' is {step}; a step count cannot be negative.");
    }

    /// <summary>Copies the tensor stored under <paramref name="key"/> into <paramref name="target"/>.</summary>
    /// <exception cref="InvalidDataException">Missing, of another shape or dtype than the target, or not finite.</exception>
    public static void CopyInto(IReadOnlyDictionary<string, torch.Tensor> state, string key, torch.Tensor target)
    {
        torch.Tensor value = Checked(state, key, target);
        using var noGrad = torch.no_grad();
        target.copy_(value);
    }

    /// <summary>A new tensor on <paramref name="like"/>'s device holding the value stored under <paramref name="key"/>.</summary>
    public static torch.Tensor Clone(IReadOnlyDictionary<string, torch.Tensor> state, string key, torch.Tensor like)
    {
        torch.Tensor value = Checked(state, key, like);
        using var noGrad = torch.no_grad();
        return value.to(like.device, copy: true).DetachFromDisposeScope();
    }

    /// <summary>Refuses keys that no parameter asked for (a state of another optimizer or model).</summary>
    public static void CheckAllUsed(IReadOnlyDictionary<string, torch.Tensor> state, ISet<string> used)
    {
        string? unexpected = state.Keys.FirstOrDefault(k => !used.Contains(k));
        if (unexpected is not null)
        {
            throw new InvalidDataException($"Optimizer state '{unexpected}' belongs to no parameter of this optimizer.");
        }
    }

    private static torch.Tensor Checked(IReadOnlyDictionary<string, torch.Tensor> state, string key, torch.Tensor like)
    {
        torch.Tensor value = Get(state, key);
        if (value.dtype != like.dtype || !value.shape.SequenceEqual(like.shape))
        {
            throw new InvalidDataException($"Optimizer state '{key}' is {value.dtype} [{string.Join(", ", value.shape)}]; {like.dtype} [{string.Join(", ", like.shape)}] is expected.");
        }

        using (torch.Tensor finite = value.isfinite().all())
        {
            if (!finite.item<bool>())
            {
                throw new InvalidDataException($"Optimizer state '{key}' holds NaN or infinite values.");
            }
        }

        return value;
    }

    private static torch.Tensor Get(IReadOnlyDictionary<string, torch.Tensor> state, string key) =>
        state.TryGetValue(key, out torch.Tensor? tensor) ? tensor : throw new InvalidDataException($"Optimizer state '{key}' is missing.");
}
