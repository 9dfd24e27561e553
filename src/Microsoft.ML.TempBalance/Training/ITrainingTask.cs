using TorchSharp;

namespace Microsoft.ML.TempBalance.Training;

/// <summary>
/// What the shared training engine needs from a concrete trainer (text, PDE): a loss for a batch of example
/// indices and, optionally, a validation metric.
/// </summary>
public interface ITrainingTask
{
    /// <summary>Number of training examples; batches are drawn from 0..ExampleCount−1.</summary>
    int ExampleCount { get; }

    /// <summary>Forward pass on the given examples; returns the scalar loss (with its graph, for backward).</summary>
    /// <param name="model">The model, in training mode.</param>
    /// <param name="batch">Example indices of the batch.</param>
    torch.Tensor Loss(torch.nn.Module model, IReadOnlyList<int> batch);

    /// <summary>Evaluates the model (in eval mode, without gradients) on the validation set; null when there is none.</summary>
    ValidationResult? Validate(torch.nn.Module model);

    /// <summary>
    /// A digest of the training and validation data and of the task's own settings (what decides the run besides the
    /// engine's options). A training checkpoint records it and refuses to resume when it differs; null when the task
    /// cannot tell (then only the example count is checked).
    /// </summary>
    string? DataFingerprint => null;
}
