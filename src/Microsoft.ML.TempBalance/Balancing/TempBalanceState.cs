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
    BalanceUpdateState? LastUpdate)
{
    /// <summary>False when JSON left a member null that a written state always has (a damaged file).</summary>
    public bool IsComplete => RateFactors is not null && DecayFactors is not null && (LastUpdate?.IsComplete ?? true);
}

/// <summary>A <see cref="BalanceUpdate"/> in a serialisable form (the report as its JSON).</summary>
internal sealed record BalanceUpdateState(
    long Step, int Epoch, long AnalysedStep, List<UnitBalance> Units, string Report, double Seconds, List<string> Warnings)
{
    public static BalanceUpdateState From(BalanceUpdate update) => new(
        update.Step, update.Epoch, update.AnalysedStep, update.Units.ToList(), update.Report.ToJson(), update.AnalysisSeconds, update.Warnings.ToList());

    public bool IsComplete => Units is not null && Units.All(u => u?.Unit is not null) && Report is not null && Warnings is not null && Warnings.All(w => w is not null);

    /// <exception cref="InvalidDataException">The report's JSON lacks a part every report has.</exception>
    public BalanceUpdate ToUpdate()
    {
        Spectral.SpectralReport report = Spectral.SpectralReport.FromJson(Report);
        if (report.Summary is null || report.Layers is null || report.Blocks is null || report.Options is null || report.Layers.Any(l => l is null))
        {
            throw new InvalidDataException("The saved TempBalance update has an incomplete spectral report.");
        }

        return new(Step, Epoch, AnalysedStep, Units, report, Seconds, Warnings);
    }
}
