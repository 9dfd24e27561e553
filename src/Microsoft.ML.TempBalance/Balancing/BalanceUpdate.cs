using Microsoft.ML.TempBalance.Spectral;

namespace Microsoft.ML.TempBalance.Balancing;

/// <summary>What one TempBalance analysis found and set; raised by <see cref="TempBalanceScheduler.Updated"/>.</summary>
public sealed class BalanceUpdate : EventArgs
{
    internal BalanceUpdate(long step, int epoch, long analysedStep, IReadOnlyList<UnitBalance> units, SpectralReport report, double seconds, IReadOnlyList<string> warnings)
    {
        Step = step;
        Epoch = epoch;
        AnalysedStep = analysedStep;
        Units = units;
        Report = report;
        AnalysisSeconds = seconds;
        Warnings = warnings;
    }

    /// <summary>The step from which these factors apply.</summary>
    public long Step { get; }

    /// <summary>The epoch of <see cref="Step"/>.</summary>
    public int Epoch { get; }

    /// <summary>The step whose weights were analysed (earlier than <see cref="Step"/> for background analyses).</summary>
    public long AnalysedStep { get; }

    /// <summary>Per-unit scores, factors and rates.</summary>
    public IReadOnlyList<UnitBalance> Units { get; }

    /// <summary>The full spectral report of the analysed layers.</summary>
    public SpectralReport Report { get; }

    /// <summary>Mean alpha over eligible layers.</summary>
    public double AlphaMean => Report.Summary.AlphaMean;

    /// <summary>Standard deviation of alpha over eligible layers (the paper's layer-imbalance diagnostic).</summary>
    public double AlphaStd => Report.Summary.AlphaStd;

    /// <summary>Standard deviation of the block alphas (the paper's diagnostic for transformers; NaN without blocks).</summary>
    public double BlockAlphaStd => Report.Summary.BlockAlphaStd;

    /// <summary>Wall time of the analysis.</summary>
    public double AnalysisSeconds { get; }

    /// <summary>Units excluded from this update and other anomalies, in words.</summary>
    public IReadOnlyList<string> Warnings { get; }
}
