using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Checkpoints;
using Microsoft.ML.TempBalance.Optimizers;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Training;

/// <summary>
/// A resumable training state in one safetensors file: the weights (<c>model.*</c>), the best epoch's weights
/// (<c>best.*</c>), the optimizer state and torch's generator state as byte tensors, and the rest of the run
/// (settings, epochs so far, best epoch, TempBalance state) as JSON in the metadata. Written atomically, so a run
/// killed while writing leaves the previous checkpoint.
/// </summary>
internal static class TrainingCheckpoint
{
    private const string FormatKey = "format";
    private const string Format = "tempbalance-training-checkpoint/1";
    private const string StateKey = "state";
    private const string ModelPrefix = "model.";
    private const string BestPrefix = "best.";
    private const string OptimizerTensor = "optimizer.state";
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
        int CompletedEpochs,
        long Step,
        int BestEpoch,
        ValidationResult? BestValidation,
        List<EpochSummary> Epochs,
        TempBalanceState? Balance);

    /// <summary>Writes the checkpoint (replacing <paramref name="path"/> atomically).</summary>
    public static void Write(string path, State state, torch.nn.Module model, GroupedOptimizer optimizer, IReadOnlyDictionary<string, torch.Tensor>? best)
    {
        var owned = new List<torch.Tensor>();
        try
        {
            var tensors = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
            foreach ((string name, torch.Tensor tensor) in model.state_dict())
            {
                tensors.Add(ModelPrefix + name, tensor);
            }

            foreach ((string name, torch.Tensor tensor) in best ?? new Dictionary<string, torch.Tensor>())
            {
                tensors.Add(BestPrefix + name, tensor);
            }

            using (var buffer = new MemoryStream())
            {
                using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
                {
                    optimizer.SaveState(writer);
                }

                torch.Tensor bytes = torch.tensor(buffer.ToArray(), torch.uint8);
                owned.Add(bytes);
                tensors.Add(OptimizerTensor, bytes);
            }

            torch.Tensor random = torch.get_rng_state();
            owned.Add(random);
            tensors.Add(RandomTensor, random);
            var metadata = new Dictionary<string, string>
            {
                [FormatKey] = Format,
                [StateKey] = JsonSerializer.Serialize(state, Json),
                [RandomHashKey] = Hash(random),
            };
            SafetensorsWriter.Write(path, tensors, metadata);
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
    /// Restores a run from <paramref name="path"/> into freshly built <paramref name="model"/>, <paramref name="optimizer"/>
    /// and <paramref name="balancer"/>, and sets torch's generator; returns the run's state and the best epoch's weights
    /// (the caller owns them).
    /// </summary>
    /// <exception cref="InvalidDataException">The file is damaged or is not a checkpoint of this model (named).</exception>
    /// <exception cref="ArgumentException">The checkpoint was written by a run with other settings (the first one named).</exception>
    public static (State State, Dictionary<string, torch.Tensor>? Best) Resume(
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
        if (state.CompletedEpochs > epochs || state.Step != (long)state.CompletedEpochs * stepsPerEpoch || state.BestEpoch < 0 || state.BestEpoch >= epochs)
        {
            throw new InvalidDataException($"The training checkpoint '{path}' is inconsistent: {state.CompletedEpochs} epoch(s), step {state.Step}, best epoch {state.BestEpoch} for a run of {epochs} epoch(s) of {stepsPerEpoch} step(s).");
        }

        if ((state.Balance is null) != (balancer is null))
        {
            throw new InvalidDataException($"The checkpoint '{path}' {(state.Balance is null ? "has no" : "has a")} TempBalance state, which its own settings contradict.");
        }

        var weights = model.state_dict();
        CopyInto(reader, path, ModelPrefix, weights);
        Dictionary<string, torch.Tensor>? best = null;
        try
        {
            if (reader.Tensors.Any(t => t.Name.StartsWith(BestPrefix, StringComparison.Ordinal)))
            {
                best = weights.ToDictionary(p => p.Key, p => torch.empty_like(p.Value).DetachFromDisposeScope());
                CopyInto(reader, path, BestPrefix, best);
            }

            using (torch.Tensor bytes = Read(reader, path, OptimizerTensor, torch.uint8))
            using (var stream = new MemoryStream(bytes.data<byte>().ToArray()))
            using (var binary = new BinaryReader(stream))
            {
                optimizer.LoadState(binary);
                if (stream.Position != stream.Length)
                {
                    throw new InvalidDataException($"{stream.Length - stream.Position} byte(s) of optimizer state are left over.");
                }
            }

            if (balancer is not null)
            {
                balancer.RestoreState(state.Balance!);
            }

            using torch.Tensor random = Read(reader, path, RandomTensor, torch.uint8);
            // libtorch aborts the process on an invalid generator state (TorchSharp does not catch it), so only the
            // exact bytes torch gave are handed back.
            if (!reader.Metadata.TryGetValue(RandomHashKey, out string? hash) || hash != Hash(random))
            {
                throw new InvalidDataException("the saved random generator state is damaged (its SHA-256 does not match).");
            }

            torch.set_rng_state(random);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or EndOfStreamException or JsonException)
        {
            DisposeAll(best);
            throw new InvalidDataException($"The checkpoint '{path}' does not fit this run: {e.Message}", e);
        }
        catch
        {
            DisposeAll(best);
            throw;
        }

        return (state, best);
    }

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

    private static void CopyInto(SafetensorsReader reader, string path, string prefix, IReadOnlyDictionary<string, torch.Tensor> targets)
    {
        var stored = reader.Tensors.Where(t => t.Name.StartsWith(prefix, StringComparison.Ordinal)).Select(t => t.Name[prefix.Length..]).ToHashSet(StringComparer.Ordinal);
        string? unexpected = stored.FirstOrDefault(n => !targets.ContainsKey(n));
        if (unexpected is not null)
        {
            throw new InvalidDataException($"The checkpoint '{path}' holds '{prefix}{unexpected}', which this model does not have.");
        }

        using var noGrad = torch.no_grad();
        foreach ((string name, torch.Tensor target) in targets)
        {
            if (!stored.Contains(name))
            {
                throw new InvalidDataException($"The checkpoint '{path}' lacks '{prefix}{name}'.");
            }

            using torch.Tensor value = Read(reader, path, prefix + name, target.dtype);
            if (!value.shape.SequenceEqual(target.shape))
            {
                throw new InvalidDataException($"'{prefix}{name}' in the checkpoint '{path}' has shape [{string.Join(", ", value.shape)}]; the model's is [{string.Join(", ", target.shape)}].");
            }

            target.copy_(value);
        }

        string? nonFinite = ModuleCheckpoint.FirstNonFinite(targets);
        if (nonFinite is not null)
        {
            throw new InvalidDataException($"'{prefix}{nonFinite}' in the checkpoint '{path}' holds NaN or infinite values.");
        }
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

    private static string Hash(torch.Tensor bytes) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes.data<byte>().ToArray()));

    private static void DisposeAll(Dictionary<string, torch.Tensor>? tensors)
    {
        foreach (torch.Tensor tensor in tensors?.Values ?? Enumerable.Empty<torch.Tensor>())
        {
            tensor.Dispose();
        }
    }
}
