using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.TempBalance.Checkpoints;
using Microsoft.ML.TempBalance.Experiments;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.SciML.Data;
using Microsoft.ML.TempBalance.SciML.Generators;
using Microsoft.ML.TempBalance.Tests.Experiments;
using Microsoft.ML.TempBalance.Tests.Text;
using Microsoft.ML.TempBalance.Text;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.Spectral;
using Microsoft.ML.TempBalance.Tests.Training;
using Microsoft.ML.TempBalance.Training;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Reliability;

/// <summary>
/// Damaged files, made from valid ones by a seeded mutator (truncation, one flipped byte, or eight), must load or fail
/// with the reader's documented exception and a message naming the file: never another exception type, a hang or a
/// runaway allocation. A mutation that still loads is allowed (these formats carry no checksum outside the zip's CRCs,
/// so a changed number in a tensor or in JSON is a different valid file); the count of those is reported.
/// </summary>
[TestClass]
public sealed class FileFuzzTests
{
    private const int Seed = 20261203;

    // 200 per file kind in CI; TEMPBALANCE_FUZZ_MUTATIONS=2000 for a longer local run.
    private static readonly int Mutations = int.TryParse(Environment.GetEnvironmentVariable("TEMPBALANCE_FUZZ_MUTATIONS"), out int n) && n > 0 ? n : 200;

    private static void Fuzz(string valid, Action<string> load, params Type[] documented)
    {
        byte[] original = File.ReadAllBytes(valid);
        string folder = Path.Combine(Path.GetDirectoryName(valid)!, "fuzz");
        Directory.CreateDirectory(folder);
        string target = Path.Combine(folder, Path.GetFileName(valid));
        var random = new Random(Seed);
        var problems = new List<string>();
        int loaded = 0;
        for (int m = 0; m < Mutations && problems.Count < 5; m++)
        {
            byte[] mutated = Mutate(original, random, out string how);
            File.WriteAllBytes(target, mutated);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            try
            {
                load(target);
                loaded++;
            }
            catch (Exception e) when (documented.Any(t => t.IsInstanceOfType(e)))
            {
                if (!e.Message.Contains(Path.GetFileName(target), StringComparison.Ordinal) && !e.Message.Contains(folder, StringComparison.Ordinal))
                {
                    problems.Add($"mutation {m} ({how}): {e.GetType().Name} without the file's name: {e.Message}");
                }
            }
            catch (Exception e)
            {
                string where = string.Join(" < ", (e.StackTrace ?? "").Split('\n').Take(3).Select(l => l.Trim()));
                problems.Add($"mutation {m} ({how}): undocumented {e.GetType().FullName}: {e.Message.Split('\n')[0]} at {where}");
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                problems.Add($"mutation {m} ({how}): took {clock.Elapsed.TotalSeconds:F0} s");
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated > 256L << 20)
            {
                problems.Add($"mutation {m} ({how}): allocated {allocated >> 20} MB for a {original.Length} B file");
            }
        }

        Console.WriteLine($"{Path.GetFileName(valid)}: {Mutations} mutations (seed {Seed}), {loaded} loaded, {Mutations - loaded} refused with {string.Join(" or ", documented.Select(t => t.Name))}");
        Assert.IsEmpty(problems, $"seed {Seed}, {Path.GetFileName(valid)}:\n" + string.Join("\n", problems));
        Assert.IsLessThan(Mutations, loaded, "some mutations must be refused, or the mutator is not reaching the reader");
    }

    private static byte[] Mutate(byte[] original, Random random, out string how)
    {
        switch (random.Next(3))
        {
            case 0:
                int length = random.Next(original.Length);
                how = $"truncated to {length} B";
                return original[..length];
            default:
                byte[] copy = (byte[])original.Clone();
                int flips = random.Next(2) == 0 ? 1 : 8;
                var at = new List<int>();
                for (int i = 0; i < flips; i++)
                {
                    int position = random.Next(copy.Length);
                    copy[position] ^= (byte)random.Next(1, 256);
                    at.Add(position);
                }

                how = $"flipped byte(s) at {string.Join(", ", at)}";
                return copy;
        }
    }

    [TestMethod]
    public void Safetensors()
    {
        using var folder = new TempFolder();
        string checkpoint = TinyBertFiles.Write(folder.File("ckpt"), new TinyBertVariant());
        Fuzz(Path.Combine(checkpoint, "model.safetensors"), path =>
        {
            using SafetensorsReader reader = SafetensorsReader.Open(path);
            foreach (SafetensorsTensorInfo info in reader.Tensors)
            {
                reader.ReadTensor(info.Name).Dispose();
            }
        }, typeof(InvalidDataException));
    }

    [TestMethod]
    public void ConfigJson()
    {
        using var folder = new TempFolder();
        string checkpoint = TinyBertFiles.Write(folder.File("ckpt"), new TinyBertVariant());
        string copy = folder.File("fuzz-ckpt");
        Directory.CreateDirectory(copy);
        foreach (string file in Directory.GetFiles(checkpoint))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        // The mutated config.json replaces the copy's own; the rest of the checkpoint stays valid.
        Fuzz(Path.Combine(checkpoint, "config.json"), path =>
        {
            File.Copy(path, Path.Combine(copy, "config.json"), overwrite: true);
            TextCheckpoint.Load(copy).Dispose();
        }, typeof(InvalidDataException));
    }

    [TestMethod]
    public void Hdf5()
    {
        using var folder = new TempFolder();
        string path = folder.File("darcy.hdf5");
        PdeBenchHdf5.Write(PdeGenerators.Darcy(3, 8, seed: 1), path);
        Fuzz(path, p => PdeBenchHdf5.Read(p), typeof(InvalidDataException));
    }

    [TestMethod]
    public void ExperimentSpecJson()
    {
        using var folder = new TempFolder();
        string path = folder.File("spec.json");
        File.WriteAllText(path, ExperimentTests.TinySpec);
        Fuzz(path, p => ExperimentSpec.Load(p), typeof(InvalidDataException));
    }

    [TestMethod]
    public void ModelZip()
    {
        using var folder = new TempFolder();
        string checkpoint = TinyBertFiles.Write(folder.File("ckpt"), new TinyBertVariant { Labels = 0 });
        var ml = new MLContext(seed: 1);
        IDataView train = ml.Data.LoadFromEnumerable(new[] { new Row { Sentence1 = "good film", Label = "a" }, new Row { Sentence1 = "bad film", Label = "b" } });
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.TextClassification(PretrainedEncoder.FromFolder(checkpoint), maxEpochs: 1, batchSize: 2)).Fit(train);
        string path = folder.File("model.zip");
        ml.Model.SaveTorchModel(model, train.Schema, path);
        model.LastTransformer.Dispose();
        Fuzz(path, p =>
        {
            ITransformer loaded = new MLContext(seed: 0).Model.LoadTorchModel(p, out _);
            foreach (IDisposable disposable in (loaded as IEnumerable<ITransformer> ?? new[] { loaded }).OfType<IDisposable>())
            {
                disposable.Dispose();
            }
        }, typeof(InvalidDataException));
    }

    // A checkpoint after epoch 1 of 2, so every accepted mutation is also trained on for an epoch: damage that only
    // shows at the first step after the resume (optimizer moments, momentum buffers) is reached too.
    [TestMethod]
    [DataRow(OptimizerKind.AdamW)]
    [DataRow(OptimizerKind.Sgd)]
    public void TrainingCheckpoint(OptimizerKind kind)
    {
        using var folder = new TempFolder();
        string path = folder.File($"{kind}.state");
        using var task = new RegressionTask(examples: 24, input: 16, output: 4, seed: 2);
        var options = new TrainingOptions
        {
            Epochs = 2, BatchSize = 8, Seed = 1, LearningRate = 1e-2, Threads = AssemblySetup.TorchThreads,
            Optimizer = new OptimizerSettings { Kind = kind },
            TempBalance = new TempBalanceOptions { Unit = BalanceUnit.Layer, Analyzer = new SpectralAnalyzerOptions { MinEigenvalues = 8 } },
        };
        void Train(TrainingCheckpointOptions checkpoint, ITrainingReporter? reporter = null)
        {
            torch.manual_seed(1);
            using var model = new TinyMlp(16, 16, 4);
            new TrainingEngine(options with { Checkpoint = checkpoint }).Train(model, task, reporter);
        }

        Assert.ThrowsExactly<KillAfterEpoch.SimulatedKillException>(() => Train(new TrainingCheckpointOptions { Path = path }, new KillAfterEpoch(1)));
        Fuzz(path, p =>
        {
            try
            {
                Train(new TrainingCheckpointOptions { Path = p, Resume = true });
            }
            catch (TrainingDivergedException)
            {
                // Accepted: a changed but finite moment is a different valid file, and training from it may diverge,
                // which the engine reports as it would for any run.
            }
        }, typeof(InvalidDataException), typeof(ArgumentException));
    }

    private sealed class Row
    {
        public string Sentence1 { get; set; } = "";

        public string Label { get; set; } = "";
    }
}
