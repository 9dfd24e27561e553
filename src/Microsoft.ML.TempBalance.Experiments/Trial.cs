using System.Globalization;

namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>One configuration, one ratio, one seed.</summary>
public sealed record Trial(TrialConfiguration Configuration, double Ratio, int Seed)
{
    /// <summary>Stable identifier, also the result's file name.</summary>
    public string Id => string.Create(CultureInfo.InvariantCulture, $"r{Ratio:G6}-s{Seed}-{Configuration.Key}");

    /// <summary>All trials of a spec, in a stable order (by id).</summary>
    public static IReadOnlyList<Trial> All(ExperimentSpec spec) =>
        spec.Ratios
            .SelectMany(r => spec.GridFor(r).Configurations().SelectMany(c => spec.Seeds.Select(s => new Trial(c, r, s))))
            .OrderBy(t => t.Id, StringComparer.Ordinal)
            .ToList();

    /// <summary>The trials of shard <paramref name="index"/> of <paramref name="count"/>: every count-th trial.</summary>
    public static IReadOnlyList<Trial> Shard(IReadOnlyList<Trial> trials, int index, int count)
    {
        if (count < 1 || index < 0 || index >= count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"Shard {index}/{count} does not exist; use i/N with 0 ≤ i < N.");
        }

        return trials.Where((_, i) => i % count == index).ToList();
    }
}
