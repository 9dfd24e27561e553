using TorchSharp;
using TorchSharp.Modules;

namespace Microsoft.ML.TempBalance.Optimizers;

/// <summary>
/// An optimizer over named parameter groups whose learning rate and weight decay may differ and change every
/// step (the contract TempBalance needs). <see cref="OptimizerFactory"/> builds AdamW, Adam, SGD, AdaFactor and
/// SAM around any of them.
/// </summary>
public abstract class GroupedOptimizer : IDisposable
{
    /// <summary>Creates the optimizer over the given groups.</summary>
    protected GroupedOptimizer(IReadOnlyList<OptimizerGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (groups.Count == 0)
        {
            throw new ArgumentException("An optimizer needs at least one parameter group.", nameof(groups));
        }

        Groups = groups;
    }

    /// <summary>The parameter groups; set their rates before <see cref="Step"/>.</summary>
    public IReadOnlyList<OptimizerGroup> Groups { get; }

    /// <summary>Short name for logs.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Whether <see cref="Step"/> needs a closure that recomputes the loss and gradients (SAM's second pass).
    /// </summary>
    public virtual bool NeedsClosure => false;

    /// <summary>All parameters of all groups.</summary>
    public IEnumerable<Parameter> Parameters => Groups.SelectMany(g => g.Parameters);

    /// <summary>
    /// One update from the current gradients. <paramref name="closure"/> must zero the gradients, run forward and
    /// backward and return the loss; only optimizers with <see cref="NeedsClosure"/> call it.
    /// </summary>
    public abstract void Step(Func<torch.Tensor>? closure = null);

    /// <summary>
    /// Adds the optimizer's state (moments and step counts, as named tensors) to <paramref name="state"/>, for a
    /// training checkpoint. The tensors are the live ones (or new 0-d step counts): write them out before the next
    /// step. Hyper-parameters are not part of it (they come from the settings, and rates are set before every step).
    /// </summary>
    /// <exception cref="NotSupportedException">This optimizer cannot be checkpointed.</exception>
    public virtual void SaveState(IDictionary<string, torch.Tensor> state) =>
        throw new NotSupportedException($"The optimizer {Name} cannot write its state, so a run with it cannot be checkpointed.");

    /// <summary>Restores state written by <see cref="SaveState"/> on an optimizer over the same groups; copies the values.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing, unexpected, of another shape or type, or not finite (named).</exception>
    public virtual void LoadState(IReadOnlyDictionary<string, torch.Tensor> state) =>
        throw new NotSupportedException($"The optimizer {Name} cannot read a saved state, so a run with it cannot be resumed.");

    /// <summary>The key prefix of a parameter's state: its group's name and its position in the group.</summary>
    protected string StateKey(int group, int parameter) => $"{Groups[group].Name}.{parameter}.";

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGrad()
    {
        foreach (Parameter parameter in Parameters)
        {
            using torch.Tensor? grad = parameter.grad;
            grad?.zero_();
        }
    }

    /// <summary>Releases optimizer state.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases optimizer state.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
