namespace Microsoft.ML.TempBalance.SciML.Training;

/// <summary>How autoregressive training feeds frames back (PDEBench's options; sciml-notes 3.3).</summary>
public enum RolloutMode
{
    /// <summary>Predictions are fed back and gradients flow through the whole rollout (FNO's default).</summary>
    FullRollout,

    /// <summary>Pushforward: only the last <see cref="PdeTrainingOptions.UnrollSteps"/> steps carry gradients (UNet's "PF").</summary>
    Pushforward,

    /// <summary>Teacher forcing: the input is always the true window plus Gaussian noise (σ = 0.001), losses summed.</summary>
    TeacherForcing,
}
