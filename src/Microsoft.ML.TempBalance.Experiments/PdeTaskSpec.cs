using Microsoft.ML.TempBalance.SciML.Training;

namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>
/// A PDE task: data from a generator (<see cref="Equation"/>, sizes, seed) or from PDEBench files
/// (<see cref="TrainFile"/>, <see cref="ValidationFile"/>, <see cref="TestFile"/>); the model and its fixed settings.
/// The validation set selects the best epoch and the best grid point; the test set, fixed across ratios, is reported.
/// </summary>
public sealed record PdeTaskSpec
{
    /// <summary>advection, burgers, cfd1d, cfd2d or darcy (generated); ignored when files are given.</summary>
    public string Equation { get; init; } = "darcy";

    /// <summary>Points per axis of generated data.</summary>
    public int Resolution { get; init; } = 32;

    /// <summary>Frames of generated time-dependent data.</summary>
    public int Frames { get; init; } = 21;

    /// <summary>Generated training pool; trials train on the first (or random) ⌊ratio·pool⌋.</summary>
    public int PoolSamples { get; init; } = 500;

    /// <summary>Generated validation samples.</summary>
    public int ValidationSamples { get; init; } = 50;

    /// <summary>Generated test samples.</summary>
    public int TestSamples { get; init; } = 100;

    /// <summary>Seed of the generated data (pool, validation and test use seed, seed + 1, seed + 2).</summary>
    public int DataSeed { get; init; } = 1;

    /// <summary>Equation parameter (beta, Nu or eta = zeta); null for PDEBench's default.</summary>
    public double? Parameter { get; init; }

    /// <summary>PDEBench HDF5 training pool (instead of generating).</summary>
    public string? TrainFile { get; init; }

    /// <summary>PDEBench HDF5 validation set.</summary>
    public string? ValidationFile { get; init; }

    /// <summary>PDEBench HDF5 test set.</summary>
    public string? TestFile { get; init; }

    /// <summary>fno or unet.</summary>
    public string Model { get; init; } = "fno";

    /// <summary>FNO modes.</summary>
    public int Modes { get; init; } = 12;

    /// <summary>FNO width.</summary>
    public int Width { get; init; } = 20;

    /// <summary>UNet features.</summary>
    public int UNetFeatures { get; init; } = 32;

    /// <summary>Context frames of autoregressive tasks (Darcy is always a single step).</summary>
    public int InitialStep { get; init; } = 10;

    /// <summary>Adam's coupled weight decay.</summary>
    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>Epochs between learning-rate halvings.</summary>
    public int StepSizeEpochs { get; init; } = 100;

    /// <summary>Training objective: mse (PDEBench) or relative-l2 (Li et al.'s FNO paper: per channel, like nRMSE).</summary>
    public string Loss { get; init; } = "mse";

    /// <summary>Field scaling around the network: none (PDEBench) or pointwise (Li et al.'s per-grid-point Gaussian).</summary>
    public string Normalize { get; init; } = "none";

    /// <summary>Torch threads per trial (0: all cores).</summary>
    public int Threads { get; init; }

    internal PdeModelKind Kind => Model == "unet" ? PdeModelKind.UNet : PdeModelKind.Fno;

    internal PdeLoss LossKind => PdeTrainingNames.Loss(Loss);

    internal PdeNormalization NormalizationKind => PdeTrainingNames.Normalization(Normalize);

    internal void Validate(string source, string folder, IReadOnlyList<double> ratios)
    {
        bool files = TrainFile is not null;
        if (files)
        {
            foreach ((string? file, string key) in new[] { (TrainFile, "trainFile"), (ValidationFile, "validationFile"), (TestFile, "testFile") })
            {
                if (file is null || !File.Exists(Path.Combine(folder, file)))
                {
                    throw new InvalidDataException($"'{source}': task.pde.{key} '{file}' does not exist (relative paths are resolved against the spec's folder).");
                }
            }
        }
        else if (Equation is not ("advection" or "burgers" or "cfd1d" or "cfd2d" or "darcy"))
        {
            throw new InvalidDataException($"'{source}': task.pde.equation '{Equation}' is unknown; expected advection, burgers, cfd1d, cfd2d or darcy (or give trainFile, validationFile and testFile).");
        }

        if (Model is not ("fno" or "unet"))
        {
            throw new InvalidDataException($"'{source}': task.pde.model '{Model}' is unknown; expected fno or unet.");
        }

        if (!PdeTrainingNames.Losses.Contains(Loss))
        {
            throw new InvalidDataException($"'{source}': task.pde.loss '{Loss}' is unknown; expected {string.Join(" or ", PdeTrainingNames.Losses)}.");
        }

        if (!PdeTrainingNames.Normalizations.Contains(Normalize))
        {
            throw new InvalidDataException($"'{source}': task.pde.normalize '{Normalize}' is unknown; expected {string.Join(" or ", PdeTrainingNames.Normalizations)}.");
        }

        if (!files && (PoolSamples < 1 || ValidationSamples < 1 || TestSamples < 1 || Resolution < 4))
        {
            throw new InvalidDataException($"'{source}': task.pde needs positive poolSamples, validationSamples and testSamples, and resolution ≥ 4.");
        }

        if (!files && ratios.Any(r => (int)Math.Floor(r * PoolSamples) < 1))
        {
            throw new InvalidDataException($"'{source}': ratio {ratios.Min()} of poolSamples {PoolSamples} leaves no training sample.");
        }
    }
}
