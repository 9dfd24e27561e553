using Microsoft.ML.TempBalance.Balancing;

namespace Microsoft.ML.TempBalance.Optimizers;

/// <summary>Builds a <see cref="GroupedOptimizer"/> from settings and parameter groups.</summary>
public static class OptimizerFactory
{
    /// <summary>Creates the optimizer over explicit groups.</summary>
    public static GroupedOptimizer Create(IReadOnlyList<OptimizerGroup> groups, OptimizerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        GroupedOptimizer optimizer = settings.Kind switch
        {
            OptimizerKind.AdamW or OptimizerKind.Adam or OptimizerKind.Sgd => new TorchOptimizer(groups, settings),
            OptimizerKind.AdaFactor => new AdaFactor(groups, settings.AdaFactor),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Kind, "Unknown optimizer kind."),
        };
        return settings.Sam is null ? optimizer : new Sam(optimizer, settings.Sam);
    }

    /// <summary>
    /// Creates the optimizer over a grouping's parameter groups: decay groups get <paramref name="weightDecay"/>,
    /// the others 0; all start at <paramref name="learningRate"/>.
    /// </summary>
    public static GroupedOptimizer Create(ParameterGrouping grouping, double learningRate, double weightDecay, OptimizerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(grouping);
        if (!(weightDecay >= 0) || double.IsInfinity(weightDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weightDecay must be a non-negative finite number.");
        }

        var groups = grouping.Groups
            .Select(g => new OptimizerGroup(g.Name, g.Parameters, learningRate, g.Decay ? weightDecay : 0.0))
            .ToList();
        return Create(groups, settings);
    }
}
