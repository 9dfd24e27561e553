namespace Microsoft.ML.TempBalance.SciML.Training;

/// <summary>How the PDE solvers scale fields before the network sees them.</summary>
public enum PdeNormalization
{
    /// <summary>The network sees and predicts raw fields (PDEBench).</summary>
    None,

    /// <summary>
    /// Li et al.'s pointwise Gaussian normalisation: every grid point and channel is shifted by its mean and divided by
    /// its standard deviation over the training samples, in the input and (decoded back) in the output. Single-step
    /// training keeps separate statistics for the input frame and the target frame; a rollout uses one set over all
    /// frames, because predictions are fed back as inputs. The statistics are saved with the weights. The loss is still
    /// computed on the decoded, physical fields.
    /// </summary>
    PointwiseGaussian,
}
