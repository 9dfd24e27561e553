namespace Microsoft.ML.TempBalance.Training;

/// <summary>
/// The loss, the gradient norm or the weights became NaN or infinite. Training stops at once and no model is
/// saved.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(string message, int epoch, long step)
        : base(message)
    {
        Epoch = epoch;
        Step = step;
    }

    /// <summary>0-based epoch where it happened.</summary>
    public int Epoch { get; }

    /// <summary>0-based global step where it happened.</summary>
    public long Step { get; }
}
