namespace Microsoft.ML.TempBalance.Balancing;

/// <summary>
/// What a <see cref="TempBalanceScheduler"/> carries from one step to the next, for training checkpoints: the factors
/// in force, the step-0 scores under FixedScores, when it last analysed, its time accounting and the last update.
/// </summary>
internal sealed record TempBalanceState(
    Dictionary<string, double> RateFactors,
    Dictionary<string, double> DecayFactors,
    Dictionary<string, double>? FixedScores,
    long LastAnalysedStep,
    int LastEpoch,
    int UpdateCount,
    double AnalysisSeconds,
    double LastCost,
    double ElapsedSeconds,
    BalanceUpdateState? LastUpdate);

/// <summary>A <see cref="BalanceUpdate"/> in a serialisable form (the report as its JSON).</summary>
internal sealed record BalanceUpdateState(
    long Step, int Epoch, long AnalysedStep, List<UnitBalance> Units, string Report, double Seconds, List<string> Warnings)
{
    public static BalanceUpdateState From(BalanceUpdate update) => new(
        update.Step, update.Epoch, update.AnalysedStep, update.Units.ToList(), update.Report.ToJson(), update.AnalysisSeconds, update.Warnings.ToList());

    public BalanceUpdate ToUpdate() => new(Step, Epoch, AnalysedStep, Units, Spectral.SpectralReport.FromJson(Report), Seconds, Warnings);
}
