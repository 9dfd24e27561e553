using Microsoft.ML.TempBalance.SciML;
using Microsoft.ML.TempBalance.SciML.Data;
using Microsoft.ML.TempBalance.SciML.Generators;

namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>
/// The pool, validation and test sets of a PDE task: read from PDEBench files, or generated once and cached in the
/// results folder (<c>data/*.hdf5</c>), so shards and resumed runs use identical data.
/// </summary>
internal sealed record PdeExperimentData(PdeDataset Pool, PdeDataset Validation, PdeDataset Test)
{
    public static PdeExperimentData Prepare(PdeTaskSpec task, string specFolder, string outFolder, Action<string> log)
    {
        if (task.TrainFile is not null)
        {
            return new PdeExperimentData(
                PdeBenchHdf5.Read(Path.Combine(specFolder, task.TrainFile)),
                PdeBenchHdf5.Read(Path.Combine(specFolder, task.ValidationFile!)),
                PdeBenchHdf5.Read(Path.Combine(specFolder, task.TestFile!)));
        }

        string folder = Path.Combine(outFolder, "data");
        Directory.CreateDirectory(folder);
        PdeDataset Cached(string name, int samples, int seed)
        {
            string path = Path.Combine(folder, $"{task.Equation}-{task.Resolution}-{name}-{samples}-seed{seed}.hdf5");
            if (File.Exists(path))
            {
                return PdeBenchHdf5.Read(path);
            }

            log($"Generating {samples} {task.Equation} samples ({name}, seed {seed})...");
            PdeDataset data = task.Equation switch
            {
                "advection" => PdeGenerators.Advection(samples, task.Resolution, task.Parameter ?? 0.1, task.Frames, seed: seed),
                "burgers" => PdeGenerators.Burgers(samples, task.Resolution, task.Parameter ?? 0.001, task.Frames, seed: seed),
                "cfd1d" => PdeGenerators.CompressibleFlow1D(samples, task.Resolution, task.Parameter ?? 0.01, task.Parameter ?? 0.01, task.Frames, seed: seed),
                "cfd2d" => PdeGenerators.CompressibleFlow2D(samples, task.Resolution, task.Parameter ?? 0.01, task.Parameter ?? 0.01, frames: task.Frames, seed: seed),
                _ => PdeGenerators.Darcy(samples, task.Resolution, task.Parameter ?? 100, seed: seed),
            };
            PdeBenchHdf5.Write(data, path);
            return data;
        }

        return new PdeExperimentData(
            Cached("pool", task.PoolSamples, task.DataSeed),
            Cached("validation", task.ValidationSamples, task.DataSeed + 1),
            Cached("test", task.TestSamples, task.DataSeed + 2));
    }
}
