using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>
/// An experiment: a task, the subsampling ratios, the seeds and a grid of configurations; every combination is a
/// trial. Read from JSON with <see cref="Load"/> (unknown keys are errors). See <c>experiments/</c> for examples.
/// </summary>
public sealed record ExperimentSpec
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        WriteIndented = true,
    };

    /// <summary>Name used in reports.</summary>
    public string Name { get; init; } = "experiment";

    /// <summary>What is trained and evaluated.</summary>
    public required ExperimentTask Task { get; init; }

    /// <summary>Shares of the training pool to train on, in (0, 1].</summary>
    public required IReadOnlyList<double> Ratios { get; init; }

    /// <summary>Seeds; each configuration and ratio runs once per seed.</summary>
    public required IReadOnlyList<int> Seeds { get; init; }

    /// <summary><c>first</c> (the paper: the first ⌊ratio·N⌋ examples) or <c>random</c> (seeded by the trial's seed).</summary>
    public Subsampling Subsampling { get; init; } = Subsampling.First;

    /// <summary>The configurations.</summary>
    public required ExperimentGrid Grid { get; init; }

    /// <summary>Learning rates and batch sizes of some ratios in place of the grid's; empty: the grid at every ratio.</summary>
    public IReadOnlyList<RatioGrid> PerRatio { get; init; } = Array.Empty<RatioGrid>();

    /// <summary>Epochs per trial.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Refuse specs that expand to more trials than this.</summary>
    public int MaxTrials { get; init; } = 2000;

    /// <summary>The grid at <paramref name="ratio"/>: <see cref="Grid"/> with the learning rates and batch sizes of the <see cref="PerRatio"/> entry naming that ratio.</summary>
    public ExperimentGrid GridFor(double ratio)
    {
        RatioGrid? entry = PerRatio.FirstOrDefault(p => p.Ratios.Contains(ratio));
        return entry is null ? Grid : Grid with { LearningRate = entry.LearningRate ?? Grid.LearningRate, BatchSize = entry.BatchSize ?? Grid.BatchSize };
    }

    /// <summary>Reads and validates a spec file.</summary>
    /// <exception cref="InvalidDataException">Unknown keys, impossible values or missing files, named, before anything runs.</exception>
    public static ExperimentSpec Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No experiment spec at '{path}'.", path);
        }

        ExperimentSpec spec;
        try
        {
            spec = JsonSerializer.Deserialize<ExperimentSpec>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"'{path}' is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}': {e.Message}", e);
        }

        spec.Validate(path, Path.GetDirectoryName(Path.GetFullPath(path))!);
        return spec;
    }

    /// <summary>A spec from JSON, without checking files (used for the copy stored with results).</summary>
    public static ExperimentSpec FromJson(string json) =>
        JsonSerializer.Deserialize<ExperimentSpec>(json, Json) ?? throw new InvalidDataException("The JSON holds no experiment spec.");

    /// <summary>The spec as JSON (for results and reports).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Checks every value; <paramref name="source"/> names the spec in messages, relative paths resolve against <paramref name="folder"/>.</summary>
    public void Validate(string source, string folder)
    {
        if (Ratios.Count == 0 || Ratios.Any(r => !(r > 0 && r <= 1)))
        {
            throw new InvalidDataException($"'{source}': ratios must be non-empty and each in (0, 1]; got [{string.Join(", ", Ratios)}].");
        }

        if (Seeds.Count == 0 || Seeds.Distinct().Count() != Seeds.Count)
        {
            throw new InvalidDataException($"'{source}': seeds must be non-empty and distinct.");
        }

        if (Epochs < 1)
        {
            throw new InvalidDataException($"'{source}': epochs must be at least 1.");
        }

        Grid.Validate(source, Task.Text is not null);
        ValidatePerRatio(source);
        Task.Validate(source, folder, Ratios);
        if (Task.Pde is { Kind: not SciML.Training.PdeModelKind.Fno } && Grid.SpectralWeights.Any(w => w))
        {
            throw new InvalidDataException($"'{source}': grid.spectralWeights applies to FNO tasks; a UNet has no spectral weights, so the arm would repeat TB.");
        }
        long trials = Ratios.Sum(r => (long)Seeds.Count * GridFor(r).Configurations().Count);
        if (trials > MaxTrials)
        {
            throw new InvalidDataException($"'{source}' expands to {trials} trials, more than maxTrials = {MaxTrials}: shrink the grid or raise maxTrials.");
        }
    }

    private void ValidatePerRatio(string source)
    {
        static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);
        var seen = new HashSet<double>();
        foreach (RatioGrid entry in PerRatio)
        {
            if (entry.Ratios.Count == 0 || (entry.LearningRate is null && entry.BatchSize is null))
            {
                throw new InvalidDataException($"'{source}': each perRatio entry needs ratios and a learningRate or batchSize list.");
            }

            if ((entry.LearningRate is { } rates && (rates.Count == 0 || rates.Any(v => !(v > 0)))) || (entry.BatchSize is { } batches && (batches.Count == 0 || batches.Any(b => b < 1))))
            {
                throw new InvalidDataException($"'{source}': perRatio learningRate and batchSize need positive values.");
            }

            string? stranger = entry.Ratios.Where(r => !Ratios.Contains(r)).Select(Show).FirstOrDefault();
            if (stranger is not null)
            {
                throw new InvalidDataException($"'{source}': perRatio names ratio {stranger}, which is not one of ratios [{string.Join(", ", Ratios.Select(Show))}].");
            }

            string? twice = entry.Ratios.Where(r => !seen.Add(r)).Select(Show).FirstOrDefault();
            if (twice is not null)
            {
                throw new InvalidDataException($"'{source}': ratio {twice} is in more than one perRatio entry.");
            }
        }
    }
}

/// <summary>How training subsets are drawn.</summary>
public enum Subsampling
{
    /// <summary>The first ⌊ratio·N⌋ examples of the pool (the paper's protocol).</summary>
    First,

    /// <summary>A seeded random subset per trial seed.</summary>
    Random,
}
