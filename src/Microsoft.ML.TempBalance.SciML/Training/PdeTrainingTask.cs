using Microsoft.ML.TempBalance.Training;
using TorchSharp;

namespace Microsoft.ML.TempBalance.SciML.Training;

/// <summary>
/// PDEBench's FNO training objective on a <see cref="PdeDataset"/>. Single step (Darcy: frame 0 → last frame), or
/// autoregressive with full back-propagation through time: the last <c>initialStep</c> frames (predictions
/// included, not detached) predict the next, and the per-step losses (MSE, or relative L2) are summed. Validation is the rollout nRMSE
/// over the predicted frames.
/// </summary>
internal sealed class PdeTrainingTask : ITrainingTask, IDisposable
{
    private readonly torch.Tensor _train;
    private readonly PdeDataset? _validation;
    private readonly PdeRollout _rollout;
    private readonly PdeDataset _trainData;
    private readonly string _settings;
    private string? _fingerprint;

    /// <param name="train">Training trajectories.</param>
    /// <param name="validation">Validation trajectories (optional).</param>
    /// <param name="rollout">The rollout (mode, loss, normaliser).</param>
    /// <param name="normalization">Field scaling.</param>
    /// <param name="settings">The trainer's settings that decide the run besides the engine's (for the data fingerprint).</param>
    public PdeTrainingTask(PdeDataset train, PdeDataset? validation, PdeRollout rollout, PdeNormalization normalization = PdeNormalization.None, string settings = "")
    {
        _rollout = rollout;
        _trainData = train;
        _settings = settings;
        _train = PdeRollout.ToTensor(train);
        try
        {
            rollout.RequireUsableTargets(_train, "train");
            if (normalization == PdeNormalization.PointwiseGaussian)
            {
                rollout.Normalizer = FieldNormalizer.Fit(_train, rollout.SingleStep);
            }
        }
        catch
        {
            _train.Dispose();
            throw;
        }

        _validation = validation;
        ExampleCount = train.Samples;
    }

    public int ExampleCount { get; }

    public string? DataFingerprint => _fingerprint ??= Fingerprint();

    public torch.Tensor Loss(torch.nn.Module model, IReadOnlyList<int> batch)
    {
        using torch.Tensor index = torch.tensor(batch.Select(i => (long)i).ToArray());
        torch.Tensor trajectories = _train.index_select(0, index);
        return _rollout.TrainingLoss((torch.nn.Module<torch.Tensor, torch.Tensor, torch.Tensor>)model, trajectories);
    }

    public ValidationResult? Validate(torch.nn.Module model)
    {
        if (_validation is null)
        {
            return null;
        }

        float[] predicted = _rollout.Predict((torch.nn.Module<torch.Tensor, torch.Tensor, torch.Tensor>)model, _validation);
        PdeMetrics metrics = _rollout.Evaluate(predicted, _validation);
        return new ValidationResult(metrics.NormalizedRmse, HigherIsBetter: false, "nRMSE");
    }

    private string Fingerprint()
    {
        using var digest = new DataFingerprint();
        digest.Add(_settings);
        foreach (PdeDataset? data in new[] { _trainData, _validation })
        {
            digest.Add(data is null ? -1 : data.Samples);
            if (data is not null)
            {
                // The layout and the grid the FNO sees are part of the data, not only the values.
                digest.Add(data.Times).Add(data.SpatialShape.ToArray()).Add(string.Join('\n', data.Channels));
                foreach (float[] axis in data.SpatialCoordinates)
                {
                    digest.Add(axis);
                }

                digest.Add(data.Data);
            }
        }

        return digest.Finish();
    }

    public void Dispose() => _train.Dispose();
}
