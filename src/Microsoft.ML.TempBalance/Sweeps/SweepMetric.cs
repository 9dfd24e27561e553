namespace Microsoft.ML.TempBalance.Sweeps;

/// <summary>How a sweep scores a fitted model on held-out data, and whether higher is better.</summary>
/// <param name="Name">Shown in the leaderboard.</param>
/// <param name="Evaluate">The score of the scored (transformed) held-out data.</param>
/// <param name="HigherIsBetter">Whether a larger score wins.</param>
public sealed record SweepMetric(string Name, Func<IDataView, double> Evaluate, bool HigherIsBetter)
{
    /// <summary>Multiclass micro accuracy (ML.NET's <c>Evaluate</c>), higher is better.</summary>
    public static SweepMetric MicroAccuracy(MLContext ml, string labelColumnName = "Label") =>
        new("micro accuracy", data => ml.MulticlassClassification.Evaluate(data, labelColumnName).MicroAccuracy, HigherIsBetter: true);

    /// <summary>Regression RMSE (ML.NET's <c>Evaluate</c>), lower is better.</summary>
    public static SweepMetric Rmse(MLContext ml, string labelColumnName = "Label") =>
        new("RMSE", data => ml.Regression.Evaluate(data, labelColumnName).RootMeanSquaredError, HigherIsBetter: false);
}
