using Microsoft.ML.TempBalance.Checkpoints;
using Microsoft.ML.TempBalance.IO;
using Microsoft.ML.TempBalance.Spectral;
using Microsoft.ML.TempBalance.Text.Modules;
using TorchSharp;
using TorchSharp.Modules;

namespace Microsoft.ML.TempBalance.Text;

/// <summary>
/// An encoder sequence classifier (RoBERTa or BERT, by <c>model_type</c> in <c>config.json</c>) with its
/// configuration and tokenizer, loaded from or saved to a Hugging Face checkpoint folder: <c>config.json</c>, the
/// tokenizer files (RoBERTa: <c>vocab.json</c> and <c>merges.txt</c>; BERT: <c>vocab.txt</c> and optionally
/// <c>tokenizer_config.json</c>), and <c>model.safetensors</c> or a sharded index; F32, F16 or BF16 weights.
/// </summary>
/// <remarks>
/// Tensor names may carry the family prefix (<c>roberta.</c>, <c>bert.</c>: the *ForSequenceClassification and
/// *ForMaskedLM layouts) or not (RobertaModel, BertModel); legacy LayerNorm names <c>gamma</c>/<c>beta</c> are read
/// as <c>weight</c>/<c>bias</c>. Other tensors (<c>lm_head.*</c>, <c>cls.*</c>, RoBERTa's pooler,
/// <c>position_ids</c> buffers) are ignored and listed in <see cref="IgnoredTensors"/>. A checkpoint without a
/// classification head gets a freshly initialised one (seeded) for the requested number of labels, and a BERT
/// checkpoint without a pooler a fresh pooler, both as Hugging Face initialises them.
/// </remarks>
public sealed class TextCheckpoint : IDisposable
{
    private TextCheckpoint(EncoderConfig config, TextTokenizer tokenizer, EncoderForSequenceClassification model, IReadOnlyList<string> initialized, IReadOnlyList<string> ignored)
    {
        Config = config;
        Tokenizer = tokenizer;
        Model = model;
        InitializedTensors = initialized;
        IgnoredTensors = ignored;
    }

    /// <summary>The architecture; <see cref="EncoderConfig.Labels"/> names the head's outputs.</summary>
    public EncoderConfig Config { get; private set; }

    /// <summary>The tokenizer (<see cref="RobertaTokenizer"/> or <see cref="BertWordPieceTokenizer"/>).</summary>
    public TextTokenizer Tokenizer { get; }

    /// <summary>The model (<see cref="RobertaForSequenceClassification"/> or <see cref="BertForSequenceClassification"/>).</summary>
    public EncoderForSequenceClassification Model { get; }

    /// <summary>True when the checkpoint had no classification head and a new one was initialised.</summary>
    public bool HeadInitialized => InitializedTensors.Any(n => n.StartsWith("classifier.", StringComparison.Ordinal));

    /// <summary>Parameters the checkpoint lacked and that were initialised (the head; a BERT pooler).</summary>
    public IReadOnlyList<string> InitializedTensors { get; }

    /// <summary>Checkpoint tensors that are not part of the model.</summary>
    public IReadOnlyList<string> IgnoredTensors { get; }

    /// <summary>Loads a checkpoint folder.</summary>
    /// <param name="folder">The folder.</param>
    /// <param name="labels">Names of the head's outputs (null: the checkpoint's <c>id2label</c>, or 2 when it has none).</param>
    /// <param name="seed">Seed of the head's initialisation when the checkpoint has none.</param>
    /// <exception cref="FileNotFoundException">A required file is missing (named).</exception>
    /// <exception cref="InvalidDataException">A tensor is missing or mis-shaped (file, tensor and expected shape named), or the config is not supported.</exception>
    /// <param name="lora">Add new LoRA adapters (seeded) for parameter-efficient fine-tuning; null for none.</param>
    public static TextCheckpoint Load(string folder, IReadOnlyList<string>? labels = null, long seed = 0, LoraOptions? lora = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"'{folder}' is not a folder; expected a Hugging Face checkpoint folder (config.json, the tokenizer files, model.safetensors).");
        }

        EncoderConfig config = EncoderConfig.Load(Path.Combine(folder, "config.json"));
        TextTokenizer tokenizer = TextTokenizer.Load(folder, config.Family);
        IReadOnlyList<string> files = CheckpointFiles.Resolve(folder);
        IReadOnlyList<string> names = labels ?? (config.Labels.Count > 0 ? config.Labels : new[] { "LABEL_0", "LABEL_1" });
        if (names.Count == 0)
        {
            throw new ArgumentException("At least one label is needed.", nameof(labels));
        }

        config = config with { Labels = names.ToArray() };
        EncoderForSequenceClassification model = EncoderForSequenceClassification.Create(config, names.Count, lora);
        try
        {
            model.InitializeWeights(seed);
            model.InitializeAdapters(seed + 1);
            (List<string> initialized, List<string> ignored) = CopyWeights(model, files);
            if (lora is not null)
            {
                // A pooler the checkpoint lacks is new, like the head: with LoRA it trains and is saved with the adapters
                // (PEFT's modules_to_save), or a reloaded model would start from another random pooler.
                foreach ((string name, Parameter parameter) in model.named_parameters().Where(p => IsNewPooler(p.name, initialized)))
                {
                    parameter.requires_grad = true;
                }
            }

            return new TextCheckpoint(config, tokenizer, model, initialized, ignored);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>A randomly initialised model (seeded) for a configuration and an existing tokenizer: for tests and pretraining.</summary>
    public static TextCheckpoint Create(EncoderConfig config, TextTokenizer tokenizer, IReadOnlyList<string> labels, long seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(labels);
        config = config with { Labels = labels.ToArray() };
        EncoderForSequenceClassification model = EncoderForSequenceClassification.Create(config, labels.Count);
        model.InitializeWeights(seed);
        return new TextCheckpoint(config, tokenizer, model, model.named_parameters().Select(p => p.name).ToList(), Array.Empty<string>());
    }

    /// <summary>
    /// Writes the checkpoint in the Hugging Face layout (loadable by <c>AutoModelForSequenceClassification</c>);
    /// each file atomically. With LoRA adapters, <paramref name="mergeLora"/> folds them into the weights
    /// (W + (alpha/r)·B A, a plain model); otherwise the base weights are written and the adapters belong in
    /// <see cref="SaveAdapter"/>. Refuses weights holding NaN or infinite values.
    /// </summary>
    public void Save(string folder, bool mergeLora = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Directory.CreateDirectory(folder);
        using var scope = torch.NewDisposeScope();
        var merged = mergeLora ? Model.LoraModules().ToDictionary(m => m.Name + ".weight", m => m.Module.MergedWeight()) : new Dictionary<string, torch.Tensor>();
        var tensors = Model.state_dict()
            .Where(p => !EncoderForSequenceClassification.IsLoraParameter(p.Key))
            .ToDictionary(p => p.Key, p => merged.TryGetValue(p.Key, out torch.Tensor? w) ? w : p.Value);
        ModuleCheckpoint.SaveTensors(tensors, Path.Combine(folder, "model.safetensors"));
        Config.Save(Path.Combine(folder, "config.json"));
        Tokenizer.SaveTo(folder);
    }

    /// <summary>
    /// Writes the LoRA adapters and the classification head in the PEFT layout: <c>adapter_config.json</c> and
    /// <c>adapter_model.safetensors</c> with names like <c>base_model.model.roberta.encoder.layer.0.attention.self.query.lora_A.weight</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has no adapters.</exception>
    public void SaveAdapter(string folder)
    {
        LoraOptions lora = Model.Lora ?? throw new InvalidOperationException("This model has no LoRA adapters to save.");
        Directory.CreateDirectory(folder);
        bool pooler = InitializedTensors.Any(n => IsNewPooler(n, InitializedTensors));
        var tensors = Model.state_dict()
            .Where(p => EncoderForSequenceClassification.IsLoraParameter(p.Key) || p.Key.StartsWith("classifier.", StringComparison.Ordinal) || IsNewPooler(p.Key, InitializedTensors))
            .ToDictionary(p => PeftPrefix + (EncoderForSequenceClassification.IsLoraParameter(p.Key) ? p.Key + ".weight" : p.Key), p => p.Value);
        ModuleCheckpoint.SaveTensors(tensors, Path.Combine(folder, "adapter_model.safetensors"));
        var config = new Dictionary<string, object?>
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "SEQ_CLS",
            ["r"] = lora.Rank,
            ["lora_alpha"] = lora.Alpha,
            ["lora_dropout"] = lora.Dropout,
            ["target_modules"] = lora.TargetModules,
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["modules_to_save"] = pooler ? new[] { "classifier", "pooler" } : new[] { "classifier" },
            ["inference_mode"] = true,
            ["base_model_name_or_path"] = null,
        };
        byte[] json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(config, new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        AtomicFile.Write(Path.Combine(folder, "adapter_config.json"), stream => stream.Write(json));
    }

    /// <summary>
    /// Loads a base checkpoint folder and a PEFT LoRA adapter folder (<c>adapter_config.json</c>,
    /// <c>adapter_model.safetensors</c>); the head comes from the adapter when it holds one.
    /// </summary>
    /// <exception cref="InvalidDataException">Unsupported adapter settings, or missing or mis-shaped adapter tensors (named).</exception>
    public static TextCheckpoint LoadWithAdapter(string folder, string adapterFolder, IReadOnlyList<string>? labels = null)
    {
        LoraOptions lora = ReadAdapterConfig(Path.Combine(adapterFolder, "adapter_config.json"));
        string weights = Path.Combine(adapterFolder, "adapter_model.safetensors");
        if (!File.Exists(weights))
        {
            throw new FileNotFoundException($"The adapter folder has no '{weights}' (PEFT adapter_model.safetensors).", weights);
        }

        TextCheckpoint checkpoint = Load(folder, labels, seed: 0, lora);
        try
        {
            Dictionary<string, Parameter> parameters = checkpoint.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
            var loaded = new HashSet<string>(StringComparer.Ordinal);
            using var noGrad = torch.no_grad();
            using SafetensorsReader reader = SafetensorsReader.Open(weights);
            foreach (SafetensorsTensorInfo info in reader.Tensors)
            {
                string name = info.Name.StartsWith(PeftPrefix, StringComparison.Ordinal) ? info.Name[PeftPrefix.Length..] : info.Name;
                if (name.EndsWith(".lora_A.weight", StringComparison.Ordinal) || name.EndsWith(".lora_B.weight", StringComparison.Ordinal))
                {
                    name = name[..^".weight".Length];
                }

                if (!parameters.TryGetValue(name, out Parameter? parameter))
                {
                    throw new InvalidDataException($"'{weights}': tensor '{info.Name}' matches no parameter of the model (is the adapter's target_modules right?).");
                }

                if (!info.Shape.SequenceEqual(parameter.shape))
                {
                    throw new InvalidDataException($"'{weights}': tensor '{info.Name}' has shape [{string.Join(", ", info.Shape)}]; the model expects [{string.Join(", ", parameter.shape)}].");
                }

                using torch.Tensor values = reader.ReadTensor(info.Name);
                using torch.Tensor converted = values.to(parameter.dtype);
                parameter.copy_(converted);
                loaded.Add(name);
            }

            string? missing = parameters.Keys.FirstOrDefault(n => EncoderForSequenceClassification.IsLoraParameter(n) && !loaded.Contains(n));
            if (missing is not null)
            {
                throw new InvalidDataException($"'{weights}' lacks the adapter tensor '{PeftPrefix}{missing}.weight'.");
            }

            return checkpoint;
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    private const string PeftPrefix = "base_model.model.";

    private static bool IsNewPooler(string name, IReadOnlyList<string> initialized) =>
        name.StartsWith("bert.pooler.", StringComparison.Ordinal) && initialized.Contains(name);

    private static LoraOptions ReadAdapterConfig(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The adapter folder has no '{path}' (PEFT adapter_config.json).", path);
        }

        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(path));
        System.Text.Json.JsonElement root = document.RootElement;
        string type = root.TryGetProperty("peft_type", out var t) ? t.GetString() ?? "" : "";
        if (type != "LORA")
        {
            throw new InvalidDataException($"'{path}': peft_type is '{type}'; only LORA adapters are supported.");
        }

        if (root.TryGetProperty("use_dora", out var dora) && dora.ValueKind == System.Text.Json.JsonValueKind.True)
        {
            throw new InvalidDataException($"'{path}': DoRA adapters are not supported.");
        }

        var targets = root.TryGetProperty("target_modules", out var tm) && tm.ValueKind == System.Text.Json.JsonValueKind.Array
            ? tm.EnumerateArray().Select(e => e.GetString() ?? "").ToArray()
            : new[] { "query", "value" };
        var lora = new LoraOptions
        {
            Rank = root.TryGetProperty("r", out var r) ? r.GetInt32() : 8,
            Alpha = root.TryGetProperty("lora_alpha", out var a) ? a.GetDouble() : 8,
            Dropout = root.TryGetProperty("lora_dropout", out var d) ? d.GetDouble() : 0,
            TargetModules = targets,
        };
        try
        {
            lora.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidDataException($"'{path}': {e.Message}", e);
        }

        return lora;
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();

    private static (List<string> Initialized, List<string> Ignored) CopyWeights(EncoderForSequenceClassification model, IReadOnlyList<string> files)
    {
        Dictionary<string, Parameter> parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        var loaded = new HashSet<string>(StringComparer.Ordinal);
        var ignored = new List<string>();
        using var noGrad = torch.no_grad();
        foreach (string file in files)
        {
            using SafetensorsReader reader = SafetensorsReader.Open(file);
            foreach (SafetensorsTensorInfo info in reader.Tensors)
            {
                string? target = Target(info.Name, model.BasePrefix, parameters);
                if (target is null)
                {
                    ignored.Add(info.Name);
                    continue;
                }

                if (!loaded.Add(target))
                {
                    throw new InvalidDataException($"'{file}': tensor '{info.Name}' is a second copy of '{target}' (with and without the '{model.BasePrefix}' prefix, or under a legacy name).");
                }

                Parameter parameter = parameters[target];
                if (!info.Shape.SequenceEqual(parameter.shape))
                {
                    string hint = model.IsOptional(target) && target.StartsWith("classifier.", StringComparison.Ordinal)
                        ? $" The checkpoint's head has {info.Shape[0]} output(s) and the model {parameter.shape[0]}: pass labels matching the checkpoint, or start from a checkpoint without a head."
                        : string.Empty;
                    throw new InvalidDataException(
                        $"'{file}': tensor '{info.Name}' has shape [{string.Join(", ", info.Shape)}]; the model built from '{ConfigBeside(file)}' expects [{string.Join(", ", parameter.shape)}] for '{target}'.{hint}");
                }

                using torch.Tensor values = reader.ReadTensor(info.Name);
                using torch.Tensor converted = values.to(parameter.dtype);
                parameter.copy_(converted);
            }
        }

        var missing = parameters.Keys.Where(n => !loaded.Contains(n) && !EncoderForSequenceClassification.IsLoraParameter(n)).ToList();
        var missingBody = missing.Where(n => !model.IsOptional(n)).ToList();
        if (missingBody.Count > 0)
        {
            string list = string.Join(", ", missingBody.Take(5).Select(n => $"'{n}' [{string.Join(", ", parameters[n].shape)}]"));
            throw new InvalidDataException($"'{string.Join("', '", files)}' lacks {missingBody.Count} tensor(s) of the model built from '{ConfigBeside(files[0])}', e.g. {list}.");
        }

        // A head or pooler is there whole or not at all: half of one is a damaged checkpoint, not a new task.
        foreach (IGrouping<string, string> part in missing.GroupBy(OptionalPart))
        {
            int total = parameters.Keys.Count(n => model.IsOptional(n) && OptionalPart(n) == part.Key && !EncoderForSequenceClassification.IsLoraParameter(n));
            if (part.Count() < total)
            {
                throw new InvalidDataException($"'{string.Join("', '", files)}' has an incomplete {part.Key}: missing {string.Join(", ", part)}.");
            }
        }

        return (missing, ignored);
    }

    private static string OptionalPart(string name) => name.StartsWith("classifier.", StringComparison.Ordinal) ? "classification head" : "pooler";

    // The model's name for a checkpoint tensor: as it is, with the family prefix added, with legacy LayerNorm names
    // (gamma, beta) renamed; null when the model has no such parameter.
    private static string? Target(string name, string prefix, Dictionary<string, Parameter> parameters)
    {
        string modern = name.EndsWith(".gamma", StringComparison.Ordinal) ? name[..^".gamma".Length] + ".weight"
            : name.EndsWith(".beta", StringComparison.Ordinal) ? name[..^".beta".Length] + ".bias"
            : name;
        return parameters.ContainsKey(modern) ? modern
            : parameters.ContainsKey(prefix + modern) ? prefix + modern
            : null;
    }

    // The model's shapes come from the config.json next to its weights; messages about shapes point there.
    private static string ConfigBeside(string weights) => Path.Combine(Path.GetDirectoryName(weights)!, "config.json");
}
