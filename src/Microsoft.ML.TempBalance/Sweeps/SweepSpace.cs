namespace Microsoft.ML.TempBalance.Sweeps;

/// <summary>
/// The values a sweep tries: every combination for a grid search, a seeded sample of them for a random search. The
/// TempBalance scales apply only to trials with TempBalance on; a LoRA rank of 0 means full fine-tuning.
/// </summary>
public sealed record SweepSpace
{
    /// <summary>Peak learning rates.</summary>
    public IReadOnlyList<double> LearningRates { get; init; } = new[] { 1e-5, 2e-5, 3e-5 };

    /// <summary>Batch sizes.</summary>
    public IReadOnlyList<int> BatchSizes { get; init; } = new[] { 16 };

    /// <summary>TempBalance off and/or on.</summary>
    public IReadOnlyList<bool> TempBalance { get; init; } = new[] { false, true };

    /// <summary>TB_Sigmoid's (s_low, s_high) pairs for trials with TempBalance on.</summary>
    public IReadOnlyList<(double Low, double High)> SigmoidScales { get; init; } = new[] { (2.0, 1.0) };

    /// <summary>LoRA ranks (0: full fine-tuning); only the text trainers read it.</summary>
    public IReadOnlyList<int> LoraRanks { get; init; } = new[] { 0 };

    /// <summary>Every trial of the space, in a fixed order (learning rate slowest, then batch size, TempBalance, scales, rank).</summary>
    public IReadOnlyList<SweepTrial> Enumerate()
    {
        Validate();
        var trials = new List<SweepTrial>();
        foreach (double rate in LearningRates)
        {
            foreach (int batch in BatchSizes)
            {
                foreach (bool balance in TempBalance)
                {
                    foreach ((double low, double high) in balance ? SigmoidScales : new[] { (0.0, 0.0) })
                    {
                        foreach (int rank in LoraRanks)
                        {
                            trials.Add(new SweepTrial(trials.Count, rate, batch, balance, low, high, rank));
                        }
                    }
                }
            }
        }

        return trials;
    }

    private void Validate()
    {
        void NotEmpty<T>(IReadOnlyList<T>? values, string name)
        {
            if (values is null || values.Count == 0)
            {
                throw new ArgumentException($"The sweep space needs at least one value in {name}.", name);
            }
        }

        NotEmpty(LearningRates, nameof(LearningRates));
        NotEmpty(BatchSizes, nameof(BatchSizes));
        NotEmpty(TempBalance, nameof(TempBalance));
        NotEmpty(LoraRanks, nameof(LoraRanks));
        if (TempBalance.Contains(true))
        {
            NotEmpty(SigmoidScales, nameof(SigmoidScales));
        }

        if (LearningRates.Any(r => !(r > 0) || double.IsInfinity(r)) || BatchSizes.Any(b => b < 1) || LoraRanks.Any(r => r < 0)
            || SigmoidScales.Any(s => !(s.Low > 0 && s.High > 0)))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRates), "Learning rates and TempBalance scales must be positive, batch sizes at least 1 and LoRA ranks at least 0.");
        }
    }
}
