namespace Microsoft.ML.TempBalance.Training;

/// <summary>Progress after one optimizer step.</summary>
/// <param name="Epoch">0-based epoch.</param>
/// <param name="Step">0-based global step.</param>
/// <param name="TotalSteps">Steps in the run.</param>
/// <param name="Loss">The batch loss.</param>
/// <param name="LearningRate">The base learning rate of the step.</param>
/// <param name="ElapsedSeconds">Wall time since training started.</param>
public sealed record TrainingProgress(int Epoch, long Step, long TotalSteps, double Loss, double LearningRate, double ElapsedSeconds);
