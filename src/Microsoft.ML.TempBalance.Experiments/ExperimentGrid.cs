namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>The grid of configurations: every combination of the listed values.</summary>
public sealed record ExperimentGrid
{
    /// <summary>Peak learning rates.</summary>
    public IReadOnlyList<double> LearningRate { get; init; } = new[] { 1e-3 };

    /// <summary>Batch sizes.</summary>
    public IReadOnlyList<int> BatchSize { get; init; } = new[] { 16 };

    /// <summary>Optimizers: adamW, adam, sgd, adaFactor, sam (SAM around the task's default optimizer).</summary>
    public IReadOnlyList<string> Optimizer { get; init; } = new[] { "default" };

    /// <summary>Train with and/or without TempBalance.</summary>
    public IReadOnlyList<bool> TempBalance { get; init; } = new[] { false, true };

    /// <summary>TempBalance mappings: sigmoid (TB_Sigmoid) or linear (TB_Linear_Map).</summary>
    public IReadOnlyList<string> Mapping { get; init; } = new[] { "sigmoid" };

    /// <summary>s_low of TB_Sigmoid (or the low factor of the linear map).</summary>
    public IReadOnlyList<double> SLow { get; init; } = new[] { 1.0 };

    /// <summary>s_high of TB_Sigmoid (or the high factor of the linear map).</summary>
    public IReadOnlyList<double> SHigh { get; init; } = new[] { 1.0 };

    /// <summary>
    /// What TempBalance balances (text tasks): <c>task</c> (the task's <c>unit</c>), <c>block</c> or <c>layer</c>; several values
    /// make separate TB arms (TB, TB-block, TB-layer) compared with the same FT.
    /// </summary>
    public IReadOnlyList<string> Unit { get; init; } = new[] { "task" };

    /// <summary>LoRA ranks (text tasks; alpha = 2 x rank on query and value); 0 is full fine-tuning.</summary>
    public IReadOnlyList<int> LoraRank { get; init; } = new[] { 0 };

    /// <summary>
    /// When TempBalance re-measures the ESD: <c>task</c> (the trainer's default: every epoch for PDE tasks, the reference
    /// cadence for text), <c>epochs:N</c>, <c>steps:N</c> or <c>budget:F</c> (at most a share F of the wall time, 0 &lt; F &lt; 1;
    /// follows the clock, so its trials do not repeat exactly). Several values make separate TB arms.
    /// </summary>
    public IReadOnlyList<string> Cadence { get; init; } = new[] { "task" };

    /// <summary>
    /// Also balance the FNO's spectral (Fourier) weights, all modes of a layer pooled into one ESD (spec decision 10);
    /// PDE tasks only (a UNet has none, so there it changes nothing). <c>[false, true]</c> makes a TB-spectral arm.
    /// </summary>
    public IReadOnlyList<bool> SpectralWeights { get; init; } = new[] { false };

    private static readonly string[] Optimizers = { "default", "adamW", "adam", "sgd", "adaFactor", "sam" };

    private static readonly string[] Units = { "task", "block", "layer" };

    internal void Validate(string source, bool textTask)
    {
        string? unit = Unit.FirstOrDefault(u => !Units.Contains(u));
        if (Unit.Count == 0 || unit is not null || LoraRank.Count == 0 || LoraRank.Any(r => r < 0))
        {
            throw new InvalidDataException($"'{source}': grid.unit must be task, block or layer (got '{unit}') and grid.loraRank needs ranks ≥ 0.");
        }

        if (!textTask && (Unit.Any(u => u != "task") || LoraRank.Any(r => r != 0)))
        {
            throw new InvalidDataException($"'{source}': grid.unit and grid.loraRank apply to text tasks only.");
        }

        if (SpectralWeights.Count == 0 || (textTask && SpectralWeights.Any(w => w)))
        {
            throw new InvalidDataException($"'{source}': grid.spectralWeights needs values, and applies to PDE tasks only.");
        }

        string? cadence = Cadence.FirstOrDefault(c => !TryParseCadence(c, out _));
        if (Cadence.Count == 0 || cadence is not null)
        {
            throw new InvalidDataException($"'{source}': grid.cadence '{cadence}' is not task, epochs:N, steps:N (N ≥ 1) or budget:F (0 < F < 1).");
        }

        if (LearningRate.Count == 0 || LearningRate.Any(v => !(v > 0)) || BatchSize.Count == 0 || BatchSize.Any(b => b < 1))
        {
            throw new InvalidDataException($"'{source}': grid.learningRate and grid.batchSize need positive values.");
        }

        string? unknown = Optimizer.FirstOrDefault(o => !Optimizers.Contains(o));
        if (Optimizer.Count == 0 || unknown is not null)
        {
            throw new InvalidDataException($"'{source}': unknown optimizer '{unknown}'; expected one of {string.Join(", ", Optimizers)}.");
        }

        string? mapping = Mapping.FirstOrDefault(m => m is not ("sigmoid" or "linear"));
        if (Mapping.Count == 0 || mapping is not null || TempBalance.Count == 0 || SLow.Count == 0 || SHigh.Count == 0 || SLow.Concat(SHigh).Any(s => !(s >= 0)))
        {
            throw new InvalidDataException($"'{source}': grid.mapping must be sigmoid or linear (got '{mapping}'), and tempBalance, sLow and sHigh need values (s ≥ 0).");
        }
    }

    /// <summary>The configurations; TempBalance settings vary only where TempBalance is on.</summary>
    public IReadOnlyList<TrialConfiguration> Configurations()
    {
        var list = new List<TrialConfiguration>();
        foreach (double rate in LearningRate)
        {
            foreach (int batch in BatchSize)
            {
                foreach (string optimizer in Optimizer)
                {
                    foreach (int rank in LoraRank.Distinct())
                    {
                        foreach (bool balance in TempBalance.Distinct())
                        {
                            if (!balance)
                            {
                                list.Add(new TrialConfiguration(rate, batch, optimizer, false, "none", 0, 0, "task", rank));
                                continue;
                            }

                            foreach (string unit in Unit.Distinct())
                            {
                                foreach (string mapping in Mapping)
                                {
                                    foreach (double low in SLow)
                                    {
                                        foreach (double high in SHigh)
                                        {
                                            foreach (string cadence in Cadence.Distinct())
                                            {
                                                foreach (bool spectral in SpectralWeights.Distinct())
                                                {
                                                    list.Add(new TrialConfiguration(rate, batch, optimizer, true, mapping, low, high, unit, rank, cadence, spectral));
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        return list;
    }

    /// <summary>Parses a grid cadence; <paramref name="cadence"/> is null for <c>task</c> (the trainer's own).</summary>
    internal static bool TryParseCadence(string value, out Balancing.BalanceCadence? cadence)
    {
        cadence = null;
        string[] parts = (value ?? "").Split(':');
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        switch (parts)
        {
            case ["task"]:
                return true;
            case ["epochs", string n] when int.TryParse(n, System.Globalization.NumberStyles.None, invariant, out int epochs) && epochs >= 1:
                cadence = Balancing.BalanceCadence.EveryEpochs(epochs);
                return true;
            case ["steps", string n] when int.TryParse(n, System.Globalization.NumberStyles.None, invariant, out int steps) && steps >= 1:
                cadence = Balancing.BalanceCadence.EverySteps(steps);
                return true;
            case ["budget", string f] when double.TryParse(f, System.Globalization.NumberStyles.Float, invariant, out double fraction) && fraction > 0 && fraction < 1:
                cadence = Balancing.BalanceCadence.Budget(fraction);
                return true;
            default:
                return false;
        }
    }
}

/// <summary>
/// One point of the grid. <paramref name="Unit"/>, <paramref name="LoraRank"/>, <paramref name="Cadence"/> and
/// <paramref name="SpectralWeights"/> appear in the key only when not the defaults, so earlier trials keep their ids.
/// </summary>
public sealed record TrialConfiguration(
    double LearningRate, int BatchSize, string Optimizer, bool TempBalance, string Mapping, double SLow, double SHigh, string Unit = "task", int LoraRank = 0,
    string Cadence = "task", bool SpectralWeights = false)
{
    /// <summary>
    /// The method a report groups by: FT or TB (TB-block, TB-layer for a unit other than the task's; -spectral when the
    /// FNO's spectral weights are balanced too; -budget0.05 and the like for a cadence other than the task's), after the
    /// optimizer and LoRA rank when they are not the defaults.
    /// </summary>
    public string Method => (Optimizer == "default" ? "" : Optimizer + "+") + (LoraRank > 0 ? System.FormattableString.Invariant($"lora{LoraRank}+") : "")
        + (TempBalance ? "TB" + (Unit == "task" ? "" : "-" + Unit) + (SpectralWeights ? "-spectral" : "") + (Cadence == "task" ? "" : "-" + Cadence.Replace(":", "", StringComparison.Ordinal)) : "FT");

    /// <summary>The FT method a TB method is compared with (the same optimizer and LoRA rank).</summary>
    public string FineTuningMethod => TempBalance ? Method[..Method.LastIndexOf("TB", StringComparison.Ordinal)] + "FT" : Method;

    /// <summary>A file-name-safe key.</summary>
    public string Key => System.FormattableString.Invariant($"lr{LearningRate:G4}-b{BatchSize}-{Optimizer}-{(TempBalance ? $"tb-{Mapping}-{SLow:G4}-{SHigh:G4}" : "ft")}")
        + (TempBalance && Unit != "task" ? "-unit-" + Unit : "") + (LoraRank > 0 ? System.FormattableString.Invariant($"-lora{LoraRank}") : "")
        + (TempBalance && SpectralWeights ? "-spectral" : "") + (TempBalance && Cadence != "task" ? "-cadence-" + Cadence.Replace(":", "", StringComparison.Ordinal) : "");
}
