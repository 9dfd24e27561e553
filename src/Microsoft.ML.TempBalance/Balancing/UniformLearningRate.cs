using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.Schedules;

namespace Microsoft.ML.TempBalance.Balancing;

/// <summary>No balancing: every group follows the base schedule (the FT baseline).</summary>
public sealed class UniformLearningRate : ILearningRateController
{
    private readonly GroupedOptimizer _optimizer;
    private readonly IBaseSchedule _schedule;

    /// <summary>Creates the controller.</summary>
    public UniformLearningRate(GroupedOptimizer optimizer, IBaseSchedule schedule)
    {
        _optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        _schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));
    }

    /// <inheritdoc />
    public void BeforeStep(long step, int epoch)
    {
        double rate = _schedule.LearningRateAt(step);
        foreach (OptimizerGroup group in _optimizer.Groups)
        {
            group.LearningRate = rate;
        }
    }
}
