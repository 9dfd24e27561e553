using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Spectral;
using Microsoft.ML.TempBalance.Training;

namespace Microsoft.ML.TempBalance.SciML.Training;

/// <summary>
/// Training settings for FNO and UNet, PDEBench's protocol by default: Adam with coupled L2 weight decay 1e-4, learning
/// rate 1e-3 halved every 100 epochs, batch 50, no gradient clipping, best validation epoch kept.
/// </summary>
public sealed record PdeTrainingOptions
{
    /// <summary>FNO or UNet.</summary>
    public PdeModelKind ModelKind { get; init; } = PdeModelKind.Fno;

    /// <summary>Architecture (FNO modes and width; InitialStep and Channels for both models; must match the data).</summary>
    public Models.FnoOptions Model { get; init; } = new();

    /// <summary>UNet features of the first level (PDEBench: 32).</summary>
    public int UNetFeatures { get; init; } = 32;

    /// <summary>How autoregressive training feeds frames back.</summary>
    public RolloutMode Rollout { get; init; } = RolloutMode.FullRollout;

    /// <summary>Pushforward: the number of final steps that carry gradients (PDEBench: 20).</summary>
    public int UnrollSteps { get; init; } = 20;

    /// <summary>Training objective per step (PDEBench: MSE).</summary>
    public PdeLoss Loss { get; init; } = PdeLoss.Mse;

    /// <summary>Scaling of the fields around the network (PDEBench: none; Li et al.: pointwise Gaussian).</summary>
    public PdeNormalization Normalization { get; init; } = PdeNormalization.None;

    /// <summary>Single step from frame 0 to the last frame (Darcy) instead of an autoregressive rollout.</summary>
    public bool SingleStep { get; init; }

    /// <summary>Epochs (PDEBench: 500).</summary>
    public int Epochs { get; init; } = 500;

    /// <summary>Samples per step.</summary>
    public int BatchSize { get; init; } = 50;

    /// <summary>Initial learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Adam's coupled L2 weight decay (on weights; biases excluded).</summary>
    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>Epochs between learning-rate halvings (StepLR).</summary>
    public int StepSizeEpochs { get; init; } = 100;

    /// <summary>StepLR factor.</summary>
    public double Gamma { get; init; } = 0.5;

    /// <summary>Optimizer (PDEBench: Adam with coupled L2 weight decay; SAM and AdaFactor available).</summary>
    public Optimizers.OptimizerSettings Optimizer { get; init; } = new() { Kind = Optimizers.OptimizerKind.Adam };

    /// <summary>Seed of initialisation and shuffling.</summary>
    public int Seed { get; init; }

    /// <summary>Torch threads (0: all cores).</summary>
    public int Threads { get; init; }

    /// <summary>TempBalance; null for the FT baseline. <see cref="DefaultTempBalance"/> gives the SciML defaults.</summary>
    public TempBalanceOptions? TempBalance { get; init; }

    /// <summary>Progress receiver.</summary>
    public ITrainingReporter? Reporter { get; init; }

    /// <summary>Resumable checkpoints of the training (weights, optimizer, TempBalance and random state at epoch ends); null for none.</summary>
    public TrainingCheckpointOptions? TrainingState { get; init; }

    /// <summary>
    /// The SciML TempBalance defaults (spec decisions 10, 11; sciml-notes 5): TB_Sigmoid per layer with
    /// s_low = s_high = <paramref name="scale"/>, every epoch, xmin position 2, MinEigenvalues 12, spectral weights
    /// at the base rate unless <paramref name="balanceSpectralWeights"/>.
    /// </summary>
    /// <param name="scale">s_low = s_high of TB_Sigmoid: factors lie in (10^(−s/2), 10^(s/2)), 0.32x to 3.2x for s = 1.</param>
    /// <param name="balanceSpectralWeights">Also balance the Fourier layers' spectral weights. Measured to hurt
    /// (see <see cref="SpectralAnalyzerOptions.IncludeSpectralWeights"/>); off by default.</param>
    public static TempBalanceOptions DefaultTempBalance(double scale = 1.0, bool balanceSpectralWeights = false) => new()
    {
        Mapping = new SigmoidMapping(scale, scale, 10),
        Unit = BalanceUnit.Layer,
        Cadence = BalanceCadence.EveryEpochs(1),
        Analyzer = new SpectralAnalyzerOptions { XminPosition = 2.0, MinEigenvalues = 12, FilterZeros = true, IncludeSpectralWeights = balanceSpectralWeights },
    };
}
