using Microsoft.ML.TempBalance.Checkpoints;
using Microsoft.ML.TempBalance.Text;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>
/// The pool, validation and test rows of a text task, its labels, and the checkpoint every trial starts from: the
/// spec's folder, or a seeded random initialisation from its config, written once to the results folder
/// (<c>data/{model_type}-init-seed*-hash</c>, encoder only, so each trial's seed initialises its own head).
/// </summary>
internal sealed record TextExperimentData(IReadOnlyList<TextRow> Pool, IReadOnlyList<TextRow> Validation, IReadOnlyList<TextRow> Test, IReadOnlyList<string> Labels, string Checkpoint)
{
    public static TextExperimentData Prepare(TextTaskSpec task, string specFolder, string outFolder, Action<string> log)
    {
        string Resolve(string path) => Path.Combine(specFolder, path);
        List<TextRow> rows = TextTable.Read(Resolve(task.TrainFile), task);
        List<TextRow> pool, validation;
        if (task.ValidationFile is not null)
        {
            pool = rows;
            validation = TextTable.Read(Resolve(task.ValidationFile), task);
        }
        else
        {
            // A seeded hold-out, not the last rows: files are often sorted (by source, date or label).
            int[] order = Enumerable.Range(0, rows.Count).ToArray();
            new Random(task.DataSeed).Shuffle(order);
            var held = order.Take(task.ValidationSamples).ToHashSet();
            validation = order.Take(task.ValidationSamples).Order().Select(i => rows[i]).ToList();
            pool = rows.Where((_, i) => !held.Contains(i)).ToList();
        }

        List<TextRow> test = TextTable.Read(Resolve(task.TestFile), task);
        string[] labels = task.Regression ? new[] { "score" } : pool.Select(r => r.Label).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (!task.Regression)
        {
            foreach ((List<TextRow> set, string name) in new[] { (validation, "validation"), (test, "test") })
            {
                if (set.FirstOrDefault(r => !labels.Contains(r.Label)) is { } unseen)
                {
                    throw new InvalidDataException($"The {name} set has label '{unseen.Label}', which the training pool ({string.Join(", ", labels)}) does not have.");
                }
            }
        }

        string checkpoint = task.Checkpoint is not null ? Resolve(task.Checkpoint) : Initialise(task, Resolve, outFolder, log);
        return new TextExperimentData(pool, validation, test, labels, checkpoint);
    }

    private static string Initialise(TextTaskSpec task, Func<string, string> resolve, string outFolder, Action<string> log)
    {
        // Named by the inputs' content too, so an edited config or vocabulary never reuses a stale initialisation.
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (string file in new[] { task.Config!, task.Vocab! }.Concat(task.Merges is null ? Array.Empty<string>() : new[] { task.Merges }))
        {
            hash.AppendData(File.ReadAllBytes(resolve(file)));
        }

        string digest = Convert.ToHexStringLower(hash.GetHashAndReset())[..12];
        EncoderConfig config = EncoderConfig.Load(resolve(task.Config!));
        string folder = Path.Combine(outFolder, "data", $"{config.ModelType}-init-seed{task.DataSeed}-{digest}");
        if (Directory.Exists(folder))
        {
            return folder;
        }

        log($"Initialising a {config.ModelType} encoder from {task.Config} (seed {task.DataSeed})...");
        TextTokenizer tokenizer = config.Family == EncoderFamily.Roberta
            ? RobertaTokenizer.Load(resolve(task.Vocab!), resolve(task.Merges ?? throw new InvalidDataException($"task.text.config '{task.Config}' is a RoBERTa config: it needs merges (merges.txt) besides vocab (vocab.json).")))
            : BertWordPieceTokenizer.Load(resolve(task.Vocab!));
        string staging = folder + ".tmp-" + Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(staging);
        using (TextCheckpoint model = TextCheckpoint.Create(config, tokenizer, new[] { "LABEL_0", "LABEL_1" }, task.DataSeed))
        using (torch.NewDisposeScope())
        {
            var encoder = model.Model.state_dict().Where(p => !p.Key.StartsWith("classifier.", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value);
            ModuleCheckpoint.SaveTensors(encoder, Path.Combine(staging, "model.safetensors"));
            config.Save(Path.Combine(staging, "config.json"));
            tokenizer.SaveTo(staging);
        }

        // A complete folder appears at once; a killed run leaves only a staging folder, never a partial checkpoint.
        Directory.Move(staging, folder);
        return folder;
    }
}
