using TorchSharp;
using TorchSharp.Modules;

namespace Microsoft.ML.TempBalance.Optimizers;

/// <summary>
/// AdaFactor (Shazeer and Stern 2018): the second moment of a matrix is kept as row and column averages
/// (factored), vectors keep a full one; updates are RMS-clipped; β2 grows as 1 − t^decayRate. Weight decay is
/// decoupled (p ← p − wd·lr·p), as in Hugging Face's implementation.
/// </summary>
internal sealed class AdaFactor : GroupedOptimizer
{
    private readonly AdaFactorOptions _options;
    private readonly Dictionary<IntPtr, State> _state = new();

    public AdaFactor(IReadOnlyList<OptimizerGroup> groups, AdaFactorOptions options)
        : base(groups)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    public override string Name => "AdaFactor";

    public override void Step(Func<torch.Tensor>? closure = null)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        foreach (OptimizerGroup group in Groups)
        {
            foreach (Parameter parameter in group.Parameters)
            {
                torch.Tensor? grad = parameter.grad;
                if (grad is null)
                {
                    continue;
                }

                if (!parameter.is_floating_point())
                {
                    throw new NotSupportedException($"AdaFactor handles real floating-point parameters; group '{group.Name}' holds a {parameter.dtype} tensor.");
                }

                Update(parameter, grad, group);
            }
        }
    }

    private void Update(Parameter parameter, torch.Tensor grad, OptimizerGroup group)
    {
        torch.Tensor g = grad.dtype == torch.float32 ? grad : grad.to(torch.float32);
        torch.Tensor p = parameter.dtype == torch.float32 ? parameter : parameter.to(torch.float32);
        bool factored = parameter.dim() >= 2;
        if (!_state.TryGetValue(parameter.Handle, out State? state))
        {
            state = new State(parameter, factored, _options.Beta1 is not null);
            _state[parameter.Handle] = state;
        }

        state.Step++;
        double step = state.Step;
        double rate = _options.RelativeStep
            ? Math.Min(_options.WarmupInit ? 1e-6 * step : 1e-2, 1.0 / Math.Sqrt(step))
            : group.LearningRate;
        if (_options.ScaleParameter)
        {
            rate *= Math.Max(_options.Epsilon2, Rms(p));
        }

        double beta2 = 1.0 - Math.Pow(step, _options.DecayRate);
        torch.Tensor squared = g.square().add_(_options.Epsilon1);
        torch.Tensor update;
        if (factored)
        {
            state.Row!.mul_(beta2).add_(squared.mean(new long[] { -1 }), alpha: 1.0 - beta2);
            state.Column!.mul_(beta2).add_(squared.mean(new long[] { -2 }), alpha: 1.0 - beta2);
            torch.Tensor rowFactor = (state.Row / state.Row.mean(new long[] { -1 }, keepdim: true)).rsqrt().unsqueeze(-1);
            torch.Tensor columnFactor = state.Column.rsqrt().unsqueeze(-2);
            update = rowFactor.mul(columnFactor).mul(g);
        }
        else
        {
            state.Full!.mul_(beta2).add_(squared, alpha: 1.0 - beta2);
            update = state.Full.rsqrt().mul(g);
        }

        update.div_(Math.Max(1.0, Rms(update) / _options.ClipThreshold)).mul_(rate);
        if (_options.Beta1 is { } beta1)
        {
            state.FirstMoment!.mul_(beta1).add_(update, alpha: 1.0 - beta1);
            update = state.FirstMoment;
        }

        if (group.WeightDecay != 0)
        {
            p.add_(p, alpha: -group.WeightDecay * rate);
        }

        p.sub_(update);
        if (!ReferenceEquals(p, parameter))
        {
            parameter.copy_(p);
        }
    }

    private static double Rms(torch.Tensor tensor)
    {
        using torch.Tensor rms = tensor.square().mean().sqrt();
        return rms.item<float>();
    }

    // State is made at a parameter's first update, so a parameter may have none yet; its tensors are float32 whatever
    // the parameter's type (the factored second moment has the shapes of a row and a column mean).
    public override void SaveState(IDictionary<string, torch.Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        foreach ((string key, Parameter parameter) in KeyedParameters())
        {
            if (_state.TryGetValue(parameter.Handle, out State? s))
            {
                state.Add(key + "step", OptimizerStateTensors.Step(s.Step));
                foreach ((string name, torch.Tensor tensor) in s.Named)
                {
                    state.Add(key + name, tensor);
                }
            }
        }
    }

    public override void LoadState(IReadOnlyDictionary<string, torch.Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string key, Parameter parameter) in KeyedParameters())
        {
            if (_state.Remove(parameter.Handle, out State? old))
            {
                old.Dispose();
            }

            if (!state.ContainsKey(key + "step"))
            {
                continue;
            }

            var fresh = new State(parameter, parameter.dim() >= 2, _options.Beta1 is not null);
            _state[parameter.Handle] = fresh;
            fresh.Step = OptimizerStateTensors.ReadStep(state, key + "step");
            used.Add(key + "step");
            foreach ((string name, torch.Tensor tensor) in fresh.Named)
            {
                OptimizerStateTensors.CopyInto(state, key + name, tensor);
                used.Add(key + name);
            }
        }

        OptimizerStateTensors.CheckAllUsed(state, used);
    }

    private IEnumerable<(string Key, Parameter Parameter)> KeyedParameters() =>
        Groups.SelectMany((g, gi) => g.Parameters.Select((p, pi) => (StateKey(gi, pi), p)));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (State state in _state.Values)
            {
                state.Dispose();
            }

            _state.Clear();
        }
    }

    private sealed class State : IDisposable
    {
        public State(torch.Tensor parameter, bool factored, bool firstMoment)
        {
            long[] shape = parameter.shape;
            if (factored)
            {
                Row = torch.zeros(shape[..^1], torch.float32, parameter.device).DetachFromDisposeScope();
                Column = torch.zeros(shape[..^2].Append(shape[^1]).ToArray(), torch.float32, parameter.device).DetachFromDisposeScope();
            }
            else
            {
                Full = torch.zeros(shape, torch.float32, parameter.device).DetachFromDisposeScope();
            }

            if (firstMoment)
            {
                FirstMoment = torch.zeros(shape, torch.float32, parameter.device).DetachFromDisposeScope();
            }
        }

        public long Step { get; set; }

        public torch.Tensor? Row { get; }

        public torch.Tensor? Column { get; }

        public torch.Tensor? Full { get; }

        public torch.Tensor? FirstMoment { get; }

        public IEnumerable<(string Name, torch.Tensor Tensor)> Named =>
            new[] { ("row", Row), ("column", Column), ("full", Full), ("first_moment", FirstMoment) }
                .Where(p => p.Item2 is not null).Select(p => (p.Item1, p.Item2!));

        public void Dispose()
        {
            Row?.Dispose();
            Column?.Dispose();
            Full?.Dispose();
            FirstMoment?.Dispose();
        }
    }
}
