using Microsoft.ML.TempBalance.IO;

namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>Combines results folders of the same experiment (e.g. one per shard) into one.</summary>
public static class ExperimentMerge
{
    /// <summary>Copies every valid trial result into <paramref name="outFolder"/>; returns (merged, corrupt file names).</summary>
    /// <exception cref="InvalidDataException">The folders hold different experiments, or one is not a results folder.</exception>
    public static (int Merged, IReadOnlyList<string> Corrupt) Merge(IReadOnlyList<string> folders, string outFolder)
    {
        ArgumentNullException.ThrowIfNull(folders);
        if (folders.Count == 0)
        {
            throw new ArgumentException("Name at least one results folder.", nameof(folders));
        }

        string? spec = null;
        foreach (string folder in folders)
        {
            string path = Path.Combine(folder, "spec.json");
            if (!File.Exists(path))
            {
                throw new InvalidDataException($"'{folder}' is not a results folder: it has no spec.json.");
            }

            string text = File.ReadAllText(path);
            if (spec is not null && text != spec)
            {
                throw new InvalidDataException($"'{folder}' holds a different experiment than '{folders[0]}' (their spec.json differ).");
            }

            spec = text;
        }

        Directory.CreateDirectory(Path.Combine(outFolder, "trials"));
        AtomicFile.Write(Path.Combine(outFolder, "spec.json"), stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(spec!)));
        int merged = 0;
        var corrupt = new List<string>();
        foreach (string folder in folders)
        {
            foreach (string file in Directory.GetFiles(Path.Combine(folder, "trials"), "*.json").Order(StringComparer.Ordinal))
            {
                if (TrialResult.TryRead(file) is null)
                {
                    corrupt.Add(file);
                    continue;
                }

                string target = Path.Combine(outFolder, "trials", Path.GetFileName(file));
                if (!string.Equals(Path.GetFullPath(file), Path.GetFullPath(target), StringComparison.Ordinal))
                {
                    byte[] content = File.ReadAllBytes(file);
                    AtomicFile.Write(target, stream => stream.Write(content));
                }

                merged++;
            }
        }

        return (merged, corrupt);
    }
}
