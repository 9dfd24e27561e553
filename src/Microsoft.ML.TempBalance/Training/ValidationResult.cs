namespace Microsoft.ML.TempBalance.Training;

/// <summary>A validation measurement, used to pick the best epoch.</summary>
/// <param name="Metric">The value (e.g. accuracy, or nRMSE).</param>
/// <param name="HigherIsBetter">True for accuracy-like metrics, false for errors.</param>
/// <param name="Name">Metric name for logs.</param>
public sealed record ValidationResult(double Metric, bool HigherIsBetter, string Name = "metric")
{
    internal bool IsBetterThan(ValidationResult? other) =>
        other is null || (double.IsFinite(Metric) && (!double.IsFinite(other.Metric) || (HigherIsBetter ? Metric > other.Metric : Metric < other.Metric)));
}
