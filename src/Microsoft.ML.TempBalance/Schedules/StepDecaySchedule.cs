namespace Microsoft.ML.TempBalance.Schedules;

/// <summary>
/// PyTorch's <c>StepLR</c> as a function of the step: rate x gamma^floor(step / stepSize). PDEBench and the
/// paper's SciML runs use a step size of 100 epochs and gamma 0.5; pass stepSize = 100 x batches per epoch.
/// </summary>
public sealed class StepDecaySchedule : IBaseSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="learningRate">Initial learning rate.</param>
    /// <param name="stepSize">Steps between decays (at least 1).</param>
    /// <param name="gamma">Multiplicative decay (positive).</param>
    public StepDecaySchedule(double learningRate, long stepSize, double gamma)
    {
        LearningRate = ScheduleArguments.LearningRate(learningRate, nameof(learningRate));
        if (stepSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "stepSize must be at least 1.");
        }

        if (!(gamma > 0) || double.IsInfinity(gamma))
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "gamma must be a positive finite number.");
        }

        StepSize = stepSize;
        Gamma = gamma;
    }

    /// <summary>Initial learning rate.</summary>
    public double LearningRate { get; }

    /// <summary>Steps between decays.</summary>
    public long StepSize { get; }

    /// <summary>Decay factor.</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    public double LearningRateAt(long step) => LearningRate * Math.Pow(Gamma, Math.Floor((double)step / StepSize));
}
