using TorchSharp;
using TorchSharp.Modules;

namespace Microsoft.ML.TempBalance.Optimizers;

/// <summary>
/// TorchSharp's AdamW, Adam (coupled L2 weight decay, as PDEBench uses) or SGD, with per-group rates copied into
/// TorchSharp's parameter groups before every step.
/// </summary>
internal sealed class TorchOptimizer : GroupedOptimizer
{
    private readonly OptimizerHelper _optimizer;
    private readonly IReadOnlyList<ParamGroup> _torchGroups;
    private readonly Action<ParamGroup, double> _setWeightDecay;

    public TorchOptimizer(IReadOnlyList<OptimizerGroup> groups, OptimizerSettings settings)
        : base(groups)
    {
        Name = settings.Kind.ToString();
        switch (settings.Kind)
        {
            case OptimizerKind.AdamW:
                var adamW = groups.Select(g => new AdamW.ParamGroup(g.Parameters, new AdamW.Options { LearningRate = g.LearningRate, weight_decay = g.WeightDecay })).ToList();
                _optimizer = torch.optim.AdamW(adamW, groups[0].LearningRate, settings.Beta1, settings.Beta2, settings.Epsilon, 0.0);
                _torchGroups = adamW;
                _setWeightDecay = (g, wd) => ((AdamW.Options)g.Options).weight_decay = wd;
                break;
            case OptimizerKind.Adam:
                var adam = groups.Select(g => new Adam.ParamGroup(g.Parameters, new Adam.Options { LearningRate = g.LearningRate, weight_decay = g.WeightDecay })).ToList();
                _optimizer = torch.optim.Adam(adam, groups[0].LearningRate, settings.Beta1, settings.Beta2, settings.Epsilon, 0.0);
                _torchGroups = adam;
                _setWeightDecay = (g, wd) => ((Adam.Options)g.Options).weight_decay = wd;
                break;
            case OptimizerKind.Sgd:
                var sgd = groups.Select(g => new SGD.ParamGroup(g.Parameters, new SGD.Options { LearningRate = g.LearningRate, weight_decay = g.WeightDecay })).ToList();
                _optimizer = torch.optim.SGD(sgd, groups[0].LearningRate, settings.Momentum, 0.0, 0.0, settings.Nesterov);
                _torchGroups = sgd;
                _setWeightDecay = (g, wd) => ((SGD.Options)g.Options).weight_decay = wd;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(settings), settings.Kind, "TorchOptimizer handles AdamW, Adam and SGD.");
        }
    }

    public override string Name { get; }

    public override void Step(Func<torch.Tensor>? closure = null)
    {
        for (int i = 0; i < Groups.Count; i++)
        {
            _torchGroups[i].LearningRate = Groups[i].LearningRate;
            _setWeightDecay(_torchGroups[i], Groups[i].WeightDecay);
        }

        using torch.Tensor? _ = _optimizer.step();
    }

    // TorchSharp's own stream format also carries each group's hyper-parameters and would load them over the settings'
    // (a damaged flag could turn on amsgrad or maximize); only the per-parameter tensors are taken here.
    public override void SaveState(IDictionary<string, torch.Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        foreach ((string key, OptimizerState parameterState, Parameter parameter) in States())
        {
            switch (parameterState)
            {
                case AdamW.State a:
                    AddMoments(state, key, a.step, a.exp_avg, a.exp_avg_sq, a.max_exp_avg_sq);
                    break;
                case Adam.State a:
                    AddMoments(state, key, a.step, a.exp_avg, a.exp_avg_sq, a.max_exp_avg_sq);
                    break;
                case SGD.State sgd when sgd.momentum_buffer is not null:
                    state.Add(key + "momentum_buffer", sgd.momentum_buffer);
                    break;
            }
        }
    }

    public override void LoadState(IReadOnlyDictionary<string, torch.Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string key, OptimizerState parameterState, Parameter parameter) in States())
        {
            switch (parameterState)
            {
                case AdamW.State a:
                    a.step = LoadMoments(state, key, used, a.exp_avg, a.exp_avg_sq, a.max_exp_avg_sq);
                    break;
                case Adam.State a:
                    a.step = LoadMoments(state, key, used, a.exp_avg, a.exp_avg_sq, a.max_exp_avg_sq);
                    break;
                case SGD.State sgd:
                    // TorchSharp makes the momentum buffer at the first step; a checkpoint before any step has none.
                    string name = key + "momentum_buffer";
                    if (state.ContainsKey(name))
                    {
                        used.Add(name);
                        if (sgd.momentum_buffer is null)
                        {
                            sgd.momentum_buffer = OptimizerStateTensors.Clone(state, name, parameter);
                        }
                        else
                        {
                            OptimizerStateTensors.CopyInto(state, name, sgd.momentum_buffer);
                        }
                    }

                    break;
            }
        }

        OptimizerStateTensors.CheckAllUsed(state, used);
    }

    private IEnumerable<(string Key, OptimizerState State, Parameter Parameter)> States()
    {
        // state_dict lists the states in group order, parameter order: the order of this optimizer's groups.
        List<OptimizerState> states = _optimizer.state_dict().State;
        int index = 0;
        for (int g = 0; g < Groups.Count; g++)
        {
            for (int p = 0; p < Groups[g].Parameters.Count; p++)
            {
                yield return (StateKey(g, p), states[index++], Groups[g].Parameters[p]);
            }
        }
    }

    private static void AddMoments(IDictionary<string, torch.Tensor> state, string key, long step, torch.Tensor first, torch.Tensor second, torch.Tensor? max)
    {
        state.Add(key + "step", OptimizerStateTensors.Step(step));
        state.Add(key + "exp_avg", first);
        state.Add(key + "exp_avg_sq", second);
        if (max is not null)
        {
            state.Add(key + "max_exp_avg_sq", max);
        }
    }

    private static long LoadMoments(IReadOnlyDictionary<string, torch.Tensor> state, string key, HashSet<string> used, torch.Tensor first, torch.Tensor second, torch.Tensor? max)
    {
        long step = OptimizerStateTensors.ReadStep(state, key + "step");
        OptimizerStateTensors.CopyInto(state, key + "exp_avg", first);
        OptimizerStateTensors.CopyInto(state, key + "exp_avg_sq", second);
        used.UnionWith(new[] { key + "step", key + "exp_avg", key + "exp_avg_sq" });
        if (max is not null)
        {
            OptimizerStateTensors.CopyInto(state, key + "max_exp_avg_sq", max);
            used.Add(key + "max_exp_avg_sq");
        }

        return step;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _optimizer.Dispose();
        }
    }
}
