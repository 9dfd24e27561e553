using System.Text.Json;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.TempBalance.MLNet;

namespace Microsoft.ML.TempBalance.Text;

/// <summary>
/// A fitted encoder (RoBERTa or BERT) text classifier or sentence-similarity regressor (from <see cref="EncoderTextClassificationTrainer"/> or <see cref="EncoderSentenceSimilarityTrainer"/>). Adds <c>Score</c> (class probabilities, a vector
/// with the label names as slot names; for similarity a Single) and <c>PredictedLabel</c> (a key whose values are
/// the label names), scoring rows in batches. Save and load it with
/// <see cref="TorchModelOperations.SaveTorchModel"/> and <see cref="TorchModelOperations.LoadTorchModel"/>.
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>Input column</term><description>Type</description></listheader>
/// <item><term>Sentence1 (name configurable)</term><description>String</description></item>
/// <item><term>Sentence2 (optional)</term><description>String</description></item>
/// </list>
/// <list type="table">
/// <listheader><term>Output column</term><description>Type</description></listheader>
/// <item><term>Score</term><description>Vector of Single, one probability per label (similarity: Single)</description></item>
/// <item><term>PredictedLabel</term><description>Key of UInt32 with the label names (classification only)</description></item>
/// </list>
/// </remarks>
public sealed class TextTransformer : ITransformer, IPersistentTransformer, IPersistentTransformerLoader, IDisposable
{
    internal const string KindName = "RobertaText";
    private const string OptionsFile = "tempbalance-text.json";
    private readonly TextScorer _scorer;

    internal TextTransformer(TextCheckpoint checkpoint, TextColumns columns, int maxLength, int batchSize)
    {
        Checkpoint = checkpoint;
        Columns = columns;
        MaxSequenceLength = maxLength;
        BatchSize = batchSize;
        _scorer = new TextScorer(checkpoint, columns, maxLength, batchSize);
    }

    /// <summary>
    /// A transformer that scores with a loaded checkpoint as it is (no training): classification with the
    /// checkpoint's labels, or similarity when its head has one output. Reads column <c>Sentence1</c> (and
    /// <c>Sentence2</c> when given).
    /// </summary>
    public static TextTransformer FromCheckpoint(TextCheckpoint checkpoint, int maxSequenceLength, string sentence1ColumnName = "Sentence1", string? sentence2ColumnName = null, int batchSize = 16)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequenceLength, 5);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        bool regression = checkpoint.Config.Labels.Count == 1;
        var columns = new TextColumns("Label", sentence1ColumnName, sentence2ColumnName, "Score", "PredictedLabel", regression);
        return new TextTransformer(checkpoint, columns, Math.Min(maxSequenceLength, checkpoint.Config.MaxSequenceLength), batchSize);
    }

    /// <summary>True for a similarity (regression) model, false for a classifier.</summary>
    public bool IsRegression => Columns.Regression;

    /// <summary>Label names, by class index (one "score" entry for similarity).</summary>
    public IReadOnlyList<string> Labels => Checkpoint.Config.Labels;

    /// <summary>Longest input in tokens, special tokens included.</summary>
    public int MaxSequenceLength { get; }

    /// <summary>Rows scored together.</summary>
    public int BatchSize { get; }

    /// <summary>The model, tokenizer and configuration (export with <see cref="TextCheckpoint.Save"/>).</summary>
    public TextCheckpoint Checkpoint { get; }

    internal TextColumns Columns { get; }

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    string IPersistentTransformer.Kind => KindName;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        Columns.Check(inputSchema, withLabel: false);
        return _scorer.OutputSchema(inputSchema);
    }

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Columns.Check(input.Schema, withLabel: false);
        return new ScoredDataView(input, _scorer);
    }

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        Columns.Check(inputSchema, withLabel: false);
        return new ScoringRowMapper(inputSchema, _scorer);
    }

    /// <summary>Class probabilities (or the score) for texts, without a data view.</summary>
    public float[][] Predict(IReadOnlyList<(string Sentence1, string? Sentence2)> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var results = new List<float[]>(texts.Count);
        for (int start = 0; start < texts.Count; start += BatchSize)
        {
            var encoded = texts.Skip(start).Take(BatchSize).Select(t => Checkpoint.Tokenizer.Encode(t.Sentence1 ?? "", t.Sentence2, MaxSequenceLength)).ToList();
            results.AddRange(_scorer.Predict(encoded));
        }

        return results.ToArray();
    }

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        TorchPlaceholder.SaveInPlaceOf(this, ctx);
    }

    void IPersistentTransformer.WriteState(string folder)
    {
        // Base weights and adapters stay separate, so the reloaded model computes exactly the same outputs.
        Checkpoint.Save(folder, mergeLora: false);
        if (Checkpoint.Model.Lora is not null)
        {
            Checkpoint.SaveAdapter(folder);
        }

        var state = new State(Columns.Label, Columns.Sentence1, Columns.Sentence2, Columns.Score, Columns.PredictedLabel, Columns.Regression, MaxSequenceLength, BatchSize);
        File.WriteAllBytes(Path.Combine(folder, OptionsFile), JsonSerializer.SerializeToUtf8Bytes(state));
    }

    static ITransformer IPersistentTransformerLoader.Load(IHostEnvironment environment, string folder) => LoadState(environment, folder);

    internal static TextTransformer LoadState(IHostEnvironment environment, string folder)
    {
        string path = Path.Combine(folder, OptionsFile);
        State state = JsonSerializer.Deserialize<State>(File.ReadAllBytes(path))
            ?? throw new InvalidDataException($"'{path}' is empty.");
        TextCheckpoint checkpoint = File.Exists(Path.Combine(folder, "adapter_config.json"))
            ? TextCheckpoint.LoadWithAdapter(folder, folder)
            : TextCheckpoint.Load(folder);
        var columns = new TextColumns(state.Label, state.Sentence1, state.Sentence2, state.Score, state.PredictedLabel, state.Regression);
        return new TextTransformer(checkpoint, columns, state.MaxSequenceLength, state.BatchSize);
    }

    /// <inheritdoc />
    public void Dispose() => Checkpoint.Dispose();

    private sealed record State(string Label, string Sentence1, string? Sentence2, string Score, string PredictedLabel, bool Regression, int MaxSequenceLength, int BatchSize);
}
