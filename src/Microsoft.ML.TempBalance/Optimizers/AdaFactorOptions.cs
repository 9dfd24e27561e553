namespace Microsoft.ML.TempBalance.Optimizers;

/// <summary>
/// AdaFactor hyper-parameters (Shazeer and Stern 2018) with the usual defaults. By default the learning rate is
/// external (<see cref="RelativeStep"/> false, <see cref="ScaleParameter"/> false), so the base schedule and
/// TempBalance control it, as Hugging Face recommends when passing a learning rate.
/// </summary>
public sealed record AdaFactorOptions
{
    /// <summary>ε1, added to squared gradients.</summary>
    public double Epsilon1 { get; init; } = 1e-30;

    /// <summary>ε2, the floor of the parameter scale.</summary>
    public double Epsilon2 { get; init; } = 1e-3;

    /// <summary>Updates are scaled down so that their RMS is at most this.</summary>
    public double ClipThreshold { get; init; } = 1.0;

    /// <summary>β2 at step t is 1 − t^DecayRate.</summary>
    public double DecayRate { get; init; } = -0.8;

    /// <summary>First-moment decay; null for none (the memory-saving default).</summary>
    public double? Beta1 { get; init; }

    /// <summary>Multiply the step by max(ε2, RMS(parameter)).</summary>
    public bool ScaleParameter { get; init; }

    /// <summary>Ignore the group's rate and use min(1e-2, 1/√t) (AdaFactor's own schedule).</summary>
    public bool RelativeStep { get; init; }

    /// <summary>With <see cref="RelativeStep"/>: min(1e-6·t, 1/√t).</summary>
    public bool WarmupInit { get; init; }

    internal void Validate()
    {
        if (!(Epsilon1 >= 0) || !(Epsilon2 >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(Epsilon1), "AdaFactor epsilons must be non-negative.");
        }

        if (!(ClipThreshold > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(ClipThreshold), ClipThreshold, "ClipThreshold must be positive.");
        }

        if (!(DecayRate < 0))
        {
            throw new ArgumentOutOfRangeException(nameof(DecayRate), DecayRate, "DecayRate must be negative (β2 = 1 − t^DecayRate).");
        }

        if (Beta1 is { } beta1 && !(beta1 >= 0 && beta1 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Beta1), beta1, "Beta1 must be in [0, 1).");
        }
    }
}
