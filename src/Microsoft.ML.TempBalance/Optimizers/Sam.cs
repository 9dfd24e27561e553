using TorchSharp;
using TorchSharp.Modules;

namespace Microsoft.ML.TempBalance.Optimizers;

/// <summary>
/// SAM's two-pass step around any base optimizer: climb to w + e with e = ρ·g/‖g‖ (adaptive: ρ·w²·g/‖|w|·g‖),
/// recompute the gradient there through the closure, return to w, and let the base optimizer step with that
/// gradient. Rates and weight decay are the base optimizer's groups, so TempBalance works unchanged.
/// </summary>
internal sealed class Sam : GroupedOptimizer
{
    private readonly GroupedOptimizer _inner;
    private readonly SamOptions _options;

    public Sam(GroupedOptimizer inner, SamOptions options)
        : base(inner.Groups)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.Rho > 0) || double.IsInfinity(options.Rho))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Rho, "SAM's Rho must be a positive finite number.");
        }

        _inner = inner;
        _options = options;
    }

    public override string Name => $"SAM{(_options.Adaptive ? "-adaptive" : "")}({_inner.Name})";

    public override bool NeedsClosure => true;

    public override void Step(Func<torch.Tensor>? closure = null)
    {
        if (closure is null)
        {
            throw new ArgumentNullException(nameof(closure), "SAM needs a closure that zeroes the gradients, recomputes the loss and calls backward.");
        }

        var perturbations = new List<(Parameter Parameter, torch.Tensor Offset)>();
        try
        {
            using (torch.no_grad())
            {
                var withGrad = Parameters.Select(p => (Parameter: p, Grad: p.grad)).Where(x => x.Grad is not null).ToList();
                double squares = 0;
                foreach ((Parameter p, torch.Tensor? grad) in withGrad)
                {
                    using torch.Tensor scaled = _options.Adaptive ? p.abs().mul(grad!) : grad!.alias();
                    using torch.Tensor sum = scaled.square().sum();
                    squares += sum.to(torch.float64).item<double>();
                }

                double scale = _options.Rho / (Math.Sqrt(squares) + 1e-12);
                foreach ((Parameter p, torch.Tensor? grad) in withGrad)
                {
                    torch.Tensor offset = (_options.Adaptive ? p.square().mul(grad!) : grad!.clone()).mul_(scale).DetachFromDisposeScope();
                    p.add_(offset);
                    perturbations.Add((p, offset));
                    grad!.Dispose();
                }
            }

            using torch.Tensor loss = closure();
        }
        finally
        {
            using (torch.no_grad())
            {
                foreach ((Parameter p, torch.Tensor offset) in perturbations)
                {
                    p.sub_(offset);
                    offset.Dispose();
                }
            }
        }

        _inner.Step();
    }

    // The perturbation lives within one step; all state across steps is the base optimizer's.
    public override void SaveState(IDictionary<string, torch.Tensor> state) => _inner.SaveState(state);

    public override void LoadState(IReadOnlyDictionary<string, torch.Tensor> state) => _inner.LoadState(state);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }
    }
}
