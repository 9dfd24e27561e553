using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Checkpoints;
using Microsoft.ML.TempBalance.Optimizers;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Training;

/// <summary>
/// A resumable training state in one safetensors file: the weights (<c>model.*</c>), the best epoch's weights
/// (<c>best.*</c>), the optimizer's moments and step counts (<c>optimizer.*</c>), torch's CPU generator state as bytes
/// (<c>random.torch</c>), and the rest of the run (settings, epochs so far, best epoch, TempBalance state) as JSON in
/// the metadata. Written atomically, so a run killed while writing leaves the previous checkpoint.
/// </summary>
internal static class TrainingCheckpoint
{
    private const string FormatKey = "format";
    private const string Format = "tempbalance-training-checkpoint/1";
    private const string StateKey = "state";
    private const string ModelPrefix = "model.";
    private const string BestPrefix = "best.";
    private const string OptimizerPrefix = "optimizer.";
    private const string RandomTensor = "random.torch";
    private const string RandomHashKey = "random.sha256";

    private static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = false,
    };

    /// <summary>Where a run stands at the end of an epoch.</summary>
    internal sealed record State(
        List<RunSetting> Settings,
        int Threads,
        int CompletedEpochs,
        long Step,
        int BestEpoch,
        ValidationResult? BestValidation,
        List<EpochSummary> Epochs,
        TempBalanceState? Balance);

    /// <summary>What <see cref="Resume"/> found: the run's state and the best epoch's weights (the caller owns them).</summary>
    internal sealed record Resumed(State State, Dictionary<string, torch.Tensor>? Best);

    /// <summary>Writes the checkpoint (replacing <paramref name="path"/> atomically).</summary>
    public static void Write(string path, State state, torch.nn.Module model, GroupedOptimizer optimizer, IReadOnlyDictionary<string, torch.Tensor>? best)
    {
        RemoveStaleTemporaries(path);
        // Step counts and the generator state are made here; the scope disposes them, not the live tensors.
        using var scope = torch.NewDisposeScope();
        var tensors = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        foreach ((string name, torch.Tensor tensor) in model.state_dict())
        {
            tensors.Add(ModelPrefix + name, tensor);
        }

        foreach ((string name, torch.Tensor tensor) in best ?? new Dictionary<string, torch.Tensor>())
        {
            tensors.Add(BestPrefix + name, tensor);
        }

        var optimizerState = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        optimizer.SaveState(optimizerState);
        foreach ((string name, torch.Tensor tensor) in optimizerState)
        {
            tensors.Add(OptimizerPrefix + name, tensor);
        }

        torch.Tensor random = torch.get_rng_state();
        tensors.Add(RandomTensor, random);
        var metadata = new Dictionary<string, string>
        {
            [FormatKey] = Format,
            [StateKey] = JsonSerializer.Serialize(state, Json),
            [RandomHashKey] = Hash(random),
        };
        SafetensorsWriter.Write(path, tensors, metadata);
    }

    /// <summary>
    /// Restores a run from <paramref name="path"/> into freshly built <paramref name="model"/>, <paramref name="optimizer"/>
    /// and <paramref name="balancer"/>, and sets torch's generator. Everything is read and checked before the model is
    /// touched, so a refused checkpoint leaves the model as it was.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is damaged or is not a checkpoint of this model (named).</exception>
    /// <exception cref="ArgumentException">The checkpoint was written by a run with other settings (the first one named).</exception>
    public static Resumed Resume(
        string path, IReadOnlyList<RunSetting> settings, int epochs, int stepsPerEpoch, torch.nn.Module model, GroupedOptimizer optimizer, TempBalanceScheduler? balancer)
    {
        using SafetensorsReader reader = SafetensorsReader.Open(path);
        State state = ReadState(reader, path);
        if (RunSetting.FirstDifference(state.Settings, settings) is { } difference)
        {
            throw new ArgumentException(
                $"The checkpoint '{path}' was written by a run with {difference.Name} = {difference.Saved}; this run has {difference.Current}. "
                + "Resume with the same settings and data, or delete the checkpoint to start over.", nameof(TrainingOptions.Checkpoint));
        }

        // The settings agree, so the counters must too; anything else is a damaged file.
        if (state.CompletedEpochs > epochs || state.Step != (long)state.CompletedEpochs * stepsPerEpoch || state.BestEpoch < 0 || state.BestEpoch >= epochs
            || (state.Balance is null) != (balancer is null))
        {
            throw new InvalidDataException($"The training checkpoint '{path}' is inconsistent: {state.CompletedEpochs} epoch(s), step {state.Step}, best epoch {state.BestEpoch}, "
                + $"{(state.Balance is null ? "no" : "a")} TempBalance state, for a run of {epochs} epoch(s) of {stepsPerEpoch} step(s).");
        }

        var owned = new List<torch.Tensor>();
        Dictionary<string, torch.Tensor>? best = null;
        try
        {
            Dictionary<string, torch.Tensor> targets = model.state_dict();
            Dictionary<string, torch.Tensor> weights = ReadGroup(reader, path, ModelPrefix, targets, owned);
            if (reader.Tensors.Any(t => t.Name.StartsWith(BestPrefix, StringComparison.Ordinal)))
            {
                best = ReadGroup(reader, path, BestPrefix, targets, new List<torch.Tensor>());
                foreach (torch.Tensor tensor in best.Values)
                {
                    tensor.DetachFromDisposeScope();
                }
            }

            var optimizerState = reader.Tensors.Where(t => t.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
                .ToDictionary(t => t.Name[OptimizerPrefix.Length..], t => Own(reader.ReadTensor(t.Name), owned), StringComparer.Ordinal);
            optimizer.LoadState(optimizerState);
            balancer?.RestoreState(state.Balance!);

            torch.Tensor random = Own(Read(reader, path, RandomTensor, torch.uint8), owned);
            // libtorch aborts the process on an invalid generator state (TorchSharp does not catch it), so only the
            // exact bytes torch gave are handed back.
            if (!reader.Metadata.TryGetValue(RandomHashKey, out string? hash) || hash != Hash(random))
            {
                throw new InvalidDataException("the saved random generator state is damaged (its SHA-256 does not match).");
            }

            using (torch.no_grad())
            {
                foreach ((string name, torch.Tensor target) in targets)
                {
                    target.copy_(weights[name]);
                }
            }

            torch.set_rng_state(random);
            return new Resumed(state, best);
        }
        catch (Exception e) when (IsDamage(e))
        {
            DisposeAll(best);
            throw e is InvalidDataException && e.Message.Contains(path, StringComparison.Ordinal)
                ? e
                : new InvalidDataException($"The checkpoint '{path}' does not fit this run: {e.Message}", e);
        }
        catch
        {
            DisposeAll(best);
            throw;
        }
        finally
        {
            foreach (torch.Tensor tensor in owned)
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>
    /// The seed of the run that wrote the checkpoint at <paramref name="options"/>' path when it would be resumed (the
    /// file exists and Resume is on); null otherwise or when the file cannot tell (the resume then reports why). A
    /// trainer whose seed comes from the MLContext uses it, so that a killed fit continues with the seed it started with.
    /// </summary>
    public static int? SeedToResume(TrainingCheckpointOptions? options)
    {
        if (options is not { Resume: true } || !File.Exists(options.Path))
        {
            return null;
        }

        try
        {
            using SafetensorsReader reader = SafetensorsReader.Open(options.Path);
            string? seed = ReadState(reader, options.Path).Settings.FirstOrDefault(s => s.Name == nameof(TrainingOptions.Seed))?.Value;
            return int.TryParse(seed, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int value) ? value : null;
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    // What reading a damaged checkpoint can throw besides InvalidDataException (TorchSharp and System.Text.Json types).
    private static bool IsDamage(Exception e) =>
        e is InvalidDataException or ArgumentException or EndOfStreamException or JsonException or FormatException or OverflowException or InvalidCastException;

    private static State ReadState(SafetensorsReader reader, string path)
    {
        if (!reader.Metadata.TryGetValue(FormatKey, out string? format) || format != Format)
        {
            throw new InvalidDataException($"'{path}' is not a training checkpoint of this library (metadata '{FormatKey}' is '{format ?? "missing"}', expected '{Format}').");
        }

        try
        {
            State? state = reader.Metadata.TryGetValue(StateKey, out string? json) ? JsonSerializer.Deserialize<State>(json, Json) : null;
            if (state?.Settings is null || state.Settings.Any(s => s?.Name is null || s.Value is null) || state.Epochs is null || state.Epochs.Any(e => e is null)
                || state.CompletedEpochs < 1 || state.Step < 0 || state.Epochs.Count != state.CompletedEpochs || !(state.Balance?.IsComplete ?? true))
            {
                throw new InvalidDataException($"The training checkpoint '{path}' has no valid run state in its metadata.");
            }

            return state;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new InvalidDataException($"The training checkpoint '{path}' has a damaged run state: {e.Message}", e);
        }
    }

    // The stored tensors under prefix, checked against the model's (names, shapes, dtypes, finite values).
    private static Dictionary<string, torch.Tensor> ReadGroup(SafetensorsReader reader, string path, string prefix, IReadOnlyDictionary<string, torch.Tensor> targets, List<torch.Tensor> owned)
    {
        var stored = reader.Tensors.Where(t => t.Name.StartsWith(prefix, StringComparison.Ordinal)).Select(t => t.Name[prefix.Length..]).ToHashSet(StringComparer.Ordinal);
        string? unexpected = stored.FirstOrDefault(n => !targets.ContainsKey(n));
        if (unexpected is not null)
        {
            throw new InvalidDataException($"The checkpoint '{path}' holds '{prefix}{unexpected}', which this model does not have.");
        }

        var result = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        try
        {
            foreach ((string name, torch.Tensor target) in targets)
            {
                if (!stored.Contains(name))
                {
                    throw new InvalidDataException($"The checkpoint '{path}' lacks '{prefix}{name}'.");
                }

                torch.Tensor value = Read(reader, path, prefix + name, target.dtype);
                result.Add(name, value);
                if (!value.shape.SequenceEqual(target.shape))
                {
                    throw new InvalidDataException($"'{prefix}{name}' in the checkpoint '{path}' has shape [{string.Join(", ", value.shape)}]; the model's is [{string.Join(", ", target.shape)}].");
                }
            }

            string? nonFinite = ModuleCheckpoint.FirstNonFinite(result);
            if (nonFinite is not null)
            {
                throw new InvalidDataException($"'{prefix}{nonFinite}' in the checkpoint '{path}' holds NaN or infinite values.");
            }
        }
        catch
        {
            DisposeAll(result);
            throw;
        }

        owned.AddRange(result.Values);
        return result;
    }

    private static torch.Tensor Read(SafetensorsReader reader, string path, string name, torch.ScalarType dtype)
    {
        if (!reader.Contains(name))
        {
            throw new InvalidDataException($"The checkpoint '{path}' lacks '{name}'.");
        }

        torch.Tensor tensor = reader.ReadTensor(name);
        torch.ScalarType stored = tensor.dtype;
        if (stored != dtype)
        {
            tensor.Dispose();
            throw new InvalidDataException($"'{name}' in the checkpoint '{path}' is {stored}; {dtype} is expected.");
        }

        return tensor;
    }

    private static torch.Tensor Own(torch.Tensor tensor, List<torch.Tensor> owned)
    {
        owned.Add(tensor);
        return tensor;
    }

    // A write killed midway (SIGKILL, power loss) leaves AtomicFile's temporary behind; a checkpoint can be gigabytes.
    private static void RemoveStaleTemporaries(string path)
    {
        string full = Path.GetFullPath(path);
        string? folder = Path.GetDirectoryName(full);
        if (folder is null || !Directory.Exists(folder))
        {
            return;
        }

        foreach (string stale in Directory.EnumerateFiles(folder, $".{Path.GetFileName(full)}.*.tmp"))
        {
            try
            {
                File.Delete(stale);
            }
            catch (IOException)
            {
                // Another writer may hold it; the next checkpoint tries again.
            }
        }
    }

    private static string Hash(torch.Tensor bytes) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes.data<byte>().ToArray()));

    private static void DisposeAll(Dictionary<string, torch.Tensor>? tensors)
    {
        foreach (torch.Tensor tensor in tensors?.Values ?? Enumerable.Empty<torch.Tensor>())
        {
            tensor.Dispose();
        }
    }
}
