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

    // TorchSharp's own format: the type name, each group's options, then each parameter's state in group order.
    public override void SaveState(BinaryWriter writer) => _optimizer.save_state_dict(writer);

    public override void LoadState(BinaryReader reader)
    {
        try
        {
            _optimizer.load_state_dict(reader);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or EndOfStreamException or InvalidCastException or NotSupportedException)
        {
            throw new InvalidDataException($"The saved {Name} state does not fit this model's parameter groups: {e.Message}", e);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _optimizer.Dispose();
        }
    }
}
