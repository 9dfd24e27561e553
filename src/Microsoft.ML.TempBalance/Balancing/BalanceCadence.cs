namespace Microsoft.ML.TempBalance.Balancing;

/// <summary>
/// When the ESD is recomputed. There is always an analysis at step 0, before the first update; between analyses
/// the last factors are kept and multiplied by the current base rate after every step.
/// </summary>
public abstract record BalanceCadence
{
    private protected BalanceCadence()
    {
    }

    /// <summary>Every <paramref name="interval"/> optimizer steps.</summary>
    public static BalanceCadence EverySteps(int interval) => new StepCadence(interval >= 1
        ? interval
        : throw new ArgumentOutOfRangeException(nameof(interval), interval, "The step interval must be at least 1."));

    /// <summary>At the start of every <paramref name="interval"/>-th epoch (the SciML default is every epoch).</summary>
    public static BalanceCadence EveryEpochs(int interval) => new EpochCadence(interval >= 1
        ? interval
        : throw new ArgumentOutOfRangeException(nameof(interval), interval, "The epoch interval must be at least 1."));

    /// <summary>
    /// Spaces analyses so that their time stays within <paramref name="fraction"/> of the training time so far
    /// (measured: the last analysis's cost and the elapsed training time).
    /// </summary>
    /// <remarks>
    /// This caps the cost of the analyses; it does not make them sparse. Where an analysis is cheap next to an
    /// optimizer step the budget allows one after every step: on a 64 x 64 FNO2d (docs/results.md, issue 20) it
    /// analysed 90-1350 times per trial (after every step) against 30 for <see cref="EveryEpochs(int)"/>, with the same accuracy and
    /// no measurable extra time. Use <see cref="EverySteps(int)"/> or <see cref="EveryEpochs(int)"/> when the
    /// number of analyses itself matters (for example, for comparable factor histories).
    /// </remarks>
    public static BalanceCadence Budget(double fraction = 0.05) => new BudgetCadence(fraction > 0 && fraction < 1
        ? fraction
        : throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The budget must be a fraction between 0 and 1 (exclusive)."));

    /// <summary>
    /// The reference text cadence: every min(cap, max(1, batchesPerEpoch / 10)) steps (integer division, cap 100).
    /// </summary>
    public static BalanceCadence Reference(int batchesPerEpoch, int cap = 100) =>
        EverySteps(Math.Min(cap, Math.Max(1, batchesPerEpoch / 10)));

    /// <summary>
    /// The reference text cadence, resolved by the training engine once the number of batches per epoch is known
    /// (see <see cref="Reference(int, int)"/>).
    /// </summary>
    public static BalanceCadence Reference() => new ReferenceCadence(100);
}

/// <summary>The reference text cadence, to be resolved against the batches per epoch.</summary>
public sealed record ReferenceCadence(int Cap) : BalanceCadence
{
    /// <summary>The cap (at least 1).</summary>
    public int Cap { get; } = Cap >= 1 ? Cap : throw new ArgumentOutOfRangeException(nameof(Cap), Cap, "The cap must be at least 1.");

    /// <summary>The step cadence for a run with <paramref name="batchesPerEpoch"/> batches per epoch.</summary>
    public BalanceCadence Resolve(int batchesPerEpoch) => Reference(batchesPerEpoch, Cap);

    /// <inheritdoc />
    public override string ToString() => $"reference (min({Cap}, max(1, batches per epoch / 10)) steps)";
}

/// <summary>Analysis every <see cref="Interval"/> steps.</summary>
public sealed record StepCadence(int Interval) : BalanceCadence
{
    /// <inheritdoc />
    public override string ToString() => $"every {Interval} step(s)";
}

/// <summary>Analysis at the start of every <see cref="Interval"/>-th epoch.</summary>
public sealed record EpochCadence(int Interval) : BalanceCadence
{
    /// <inheritdoc />
    public override string ToString() => $"every {Interval} epoch(s)";
}

/// <summary>Analysis whenever it fits in <see cref="Fraction"/> of the training time.</summary>
public sealed record BudgetCadence(double Fraction) : BalanceCadence
{
    /// <summary>
    /// Whether one more analysis (assumed to cost as much as the last one) keeps the analyses' share of the
    /// elapsed time within <see cref="Fraction"/>: (spent + last) ≤ Fraction·(elapsed + last).
    /// </summary>
    internal bool Allows(double analysisSeconds, double lastCost, double elapsedSeconds) =>
        analysisSeconds + lastCost <= Fraction * (elapsedSeconds + lastCost);

    /// <inheritdoc />
    public override string ToString() => $"budget {Fraction:P1} of training time";
}
