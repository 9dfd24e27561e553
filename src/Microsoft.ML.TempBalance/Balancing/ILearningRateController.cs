namespace Microsoft.ML.TempBalance.Balancing;

/// <summary>Sets the optimizer groups' rates before each optimizer step.</summary>
public interface ILearningRateController
{
    /// <summary>Called before optimizer step <paramref name="step"/> (0-based, global) of epoch <paramref name="epoch"/> (0-based).</summary>
    void BeforeStep(long step, int epoch);
}
