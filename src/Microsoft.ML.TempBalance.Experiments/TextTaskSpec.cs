using Microsoft.ML.TempBalance.Balancing;

namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>
/// A text task: a labelled TSV/CSV file with a header (training pool), a fixed test file, an optional validation file
/// (otherwise <see cref="ValidationSamples"/> rows are held out of the pool, seeded by <see cref="DataSeed"/>), and the
/// model to fine-tune: a Hugging Face RoBERTa or BERT <see cref="Checkpoint"/> folder, or a <see cref="Config"/> with
/// <see cref="Vocab"/> and <see cref="Merges"/> for a seeded random initialisation shared by every trial.
/// Classification reports the error rate (1 − accuracy), similarity the RMSE; both lower is better.
/// </summary>
public sealed record TextTaskSpec
{
    /// <summary>Training pool (.tsv or .csv with a header row); trials train on ⌊ratio·N⌋ of its rows.</summary>
    public string TrainFile { get; init; } = "";

    /// <summary>Test file, same columns; fixed across ratios.</summary>
    public string TestFile { get; init; } = "";

    /// <summary>Validation file; null holds <see cref="ValidationSamples"/> rows out of the training file.</summary>
    public string? ValidationFile { get; init; }

    /// <summary>Rows held out of the training file for validation when there is no validation file.</summary>
    public int ValidationSamples { get; init; } = 50;

    /// <summary>Seed of the hold-out and of the random initialisation from <see cref="Config"/>.</summary>
    public int DataSeed { get; init; } = 1;

    /// <summary><c>classification</c> (label: text, metric error rate) or <c>similarity</c> (label: number, metric RMSE).</summary>
    public string Kind { get; init; } = "classification";

    /// <summary>Label column name (from the header).</summary>
    public string LabelColumn { get; init; } = "Label";

    /// <summary>First sentence column name.</summary>
    public string Sentence1Column { get; init; } = "Sentence1";

    /// <summary>Second sentence column name for sentence pairs; null for single sentences.</summary>
    public string? Sentence2Column { get; init; }

    /// <summary>Hugging Face RoBERTa or BERT folder (config.json, tokenizer files, model.safetensors).</summary>
    public string? Checkpoint { get; init; }

    /// <summary>A RoBERTa or BERT config.json for a random initialisation (instead of <see cref="Checkpoint"/>).</summary>
    public string? Config { get; init; }

    /// <summary>The tokenizer vocabulary for <see cref="Config"/>: vocab.json (RoBERTa) or vocab.txt (BERT).</summary>
    public string? Vocab { get; init; }

    /// <summary>merges.txt for a RoBERTa <see cref="Config"/>; none for BERT.</summary>
    public string? Merges { get; init; }

    /// <summary>Longest input in tokens.</summary>
    public int MaxSequenceLength { get; init; } = 128;

    /// <summary>AdamW weight decay.</summary>
    public double WeightDecay { get; init; } = 0.1;

    /// <summary>Warmup share of the linear warmup-and-decay schedule.</summary>
    public double WarmupRatio { get; init; } = 0.06;

    /// <summary>What TempBalance balances: auto (transformer blocks), block or layer.</summary>
    public string Unit { get; init; } = "auto";

    /// <summary>Torch threads per trial (0: all cores).</summary>
    public int Threads { get; init; }

    internal bool Regression => Kind == "similarity";

    internal string MetricName => Regression ? "RMSE" : "error rate";

    internal BalanceUnit BalanceUnit => Unit switch
    {
        "layer" => BalanceUnit.Layer,
        "block" => BalanceUnit.Block,
        _ => BalanceUnit.Auto,
    };

    internal void Validate(string source, string folder, IReadOnlyList<double> ratios)
    {
        if (Kind is not ("classification" or "similarity"))
        {
            throw new InvalidDataException($"'{source}': task.text.kind '{Kind}' is unknown; expected classification or similarity.");
        }

        if (Unit is not ("auto" or "block" or "layer"))
        {
            throw new InvalidDataException($"'{source}': task.text.unit '{Unit}' is unknown; expected auto, block or layer.");
        }

        if ((Checkpoint is null) == (Config is null))
        {
            throw new InvalidDataException($"'{source}': task.text needs exactly one of checkpoint (a Hugging Face folder) and config (with vocab, and merges for RoBERTa).");
        }

        if (Checkpoint is not null && !Directory.Exists(Path.Combine(folder, Checkpoint)))
        {
            throw new InvalidDataException($"'{source}': task.text.checkpoint '{Checkpoint}' is not a folder (relative paths are resolved against the spec's folder).");
        }

        var files = new List<(string? File, string Key)> { (TrainFile, "trainFile"), (TestFile, "testFile") };
        if (ValidationFile is not null)
        {
            files.Add((ValidationFile, "validationFile"));
        }

        if (Config is not null)
        {
            files.AddRange(new[] { (Config, "config"), (Vocab, "vocab") });
            if (Merges is not null)
            {
                files.Add((Merges, "merges"));
            }
        }

        foreach ((string? file, string key) in files)
        {
            if (string.IsNullOrEmpty(file) || !File.Exists(Path.Combine(folder, file)))
            {
                throw new InvalidDataException($"'{source}': task.text.{key} '{file}' does not exist (relative paths are resolved against the spec's folder).");
            }
        }

        if (MaxSequenceLength < 5 || ValidationSamples < 1 || WarmupRatio is < 0 or >= 1 || WeightDecay < 0)
        {
            throw new InvalidDataException($"'{source}': task.text needs maxSequenceLength ≥ 5, validationSamples ≥ 1, warmupRatio in [0, 1) and weightDecay ≥ 0.");
        }

        foreach ((string? file, _) in files.Take(ValidationFile is null ? 2 : 3))
        {
            TextTable.RequireColumns(Path.Combine(folder, file!), source, this);
        }

        foreach ((string? file, string key) in files.Skip(1).Take(ValidationFile is null ? 1 : 2))
        {
            if (TextTable.CountRows(Path.Combine(folder, file!)) == 0)
            {
                throw new InvalidDataException($"'{source}': task.text.{key} '{file}' has a header but no rows.");
            }
        }

        int pool = TextTable.CountRows(Path.Combine(folder, TrainFile)) - (ValidationFile is null ? ValidationSamples : 0);
        if (pool < 1 || ratios.Any(r => (int)Math.Floor(r * pool) < 1))
        {
            throw new InvalidDataException($"'{source}': the training pool of '{TrainFile}' has {pool} rows after the validation hold-out; ratio {ratios.Min()} leaves no training example.");
        }
    }
}
