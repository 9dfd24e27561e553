using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.MLNet;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Text;

/// <summary>
/// Scores texts with an encoder classifier: class probabilities (<c>Score</c>, fixed-size vector with the label names
/// as slot names) and the arg-max as a key (<c>PredictedLabel</c>, with the label names as key values); or, with one
/// output, a regression <c>Score</c>. Both carry the score annotations ML.NET's trainers write (<see cref="ScoreAnnotations"/>).
/// </summary>
internal sealed class TextScorer : BatchScorer
{
    private readonly TextCheckpoint _checkpoint;
    private readonly TextColumns _columns;
    private readonly int _maxLength;
    private readonly object _sync = new();

    public TextScorer(TextCheckpoint checkpoint, TextColumns columns, int maxLength, int batchSize)
    {
        _checkpoint = checkpoint;
        _columns = columns;
        _maxLength = maxLength;
        BatchSize = batchSize;
        IReadOnlyList<string> labels = checkpoint.Config.Labels;
        var outputs = new List<DataViewSchema.DetachedColumn>();
        if (columns.Regression)
        {
            var score = new DataViewSchema.Annotations.Builder();
            ScoreAnnotations.AddKinds(score, ScoreAnnotations.Regression, ScoreAnnotations.Score);
            outputs.Add(new DataViewSchema.DetachedColumn(columns.Score, NumberDataViewType.Single, score.ToAnnotations()));
        }
        else
        {
            // As ML.NET's multiclass trainers: the label names as Score's slot names and training label values, and
            // as PredictedLabel's key values.
            var names = new VBuffer<ReadOnlyMemory<char>>(labels.Count, labels.Select(l => l.AsMemory()).ToArray());
            var namesType = new VectorDataViewType(TextDataViewType.Instance, labels.Count);
            ValueGetter<VBuffer<ReadOnlyMemory<char>>> copy = (ref VBuffer<ReadOnlyMemory<char>> v) => names.CopyTo(ref v);
            var score = new DataViewSchema.Annotations.Builder();
            score.Add(SchemaShapes.SlotNames, namesType, copy);
            score.Add(ScoreAnnotations.TrainingLabelValues, namesType, copy);
            ScoreAnnotations.AddKinds(score, ScoreAnnotations.MulticlassClassification, ScoreAnnotations.Score);
            var predicted = new DataViewSchema.Annotations.Builder();
            predicted.Add(SchemaShapes.KeyValues, namesType, copy);
            ScoreAnnotations.AddKinds(predicted, ScoreAnnotations.MulticlassClassification, ScoreAnnotations.PredictedLabel);
            outputs.Add(new DataViewSchema.DetachedColumn(columns.Score, new VectorDataViewType(NumberDataViewType.Single, labels.Count), score.ToAnnotations()));
            outputs.Add(new DataViewSchema.DetachedColumn(columns.PredictedLabel, new KeyDataViewType(typeof(uint), labels.Count), predicted.ToAnnotations()));
        }

        OutputColumns = outputs;
        InputColumns = columns.Sentence2 is null ? new[] { columns.Sentence1 } : new[] { columns.Sentence1, columns.Sentence2 };
    }

    public override int BatchSize { get; }

    public override IReadOnlyList<string> InputColumns { get; }

    public override IReadOnlyList<DataViewSchema.DetachedColumn> OutputColumns { get; }

    public override Func<object> InputReader(DataViewRow row)
    {
        ValueGetter<ReadOnlyMemory<char>> first = TextColumns.TextGetter(row, _columns.Sentence1);
        ValueGetter<ReadOnlyMemory<char>>? second = _columns.Sentence2 is null ? null : TextColumns.TextGetter(row, _columns.Sentence2);
        return () =>
        {
            ReadOnlyMemory<char> a = default, b = default;
            first(ref a);
            second?.Invoke(ref b);
            return _checkpoint.Tokenizer.Encode(a.ToString(), second is null ? null : b.ToString(), _maxLength);
        };
    }

    public override object[] Score(IReadOnlyList<object> inputs)
    {
        if (inputs.Count == 0)
        {
            return Array.Empty<object>();
        }

        float[][] scores = Predict(inputs.Cast<EncodedText>().ToList());
        return scores.Cast<object>().ToArray();
    }

    /// <summary>Probabilities (classification) or the score (regression) per encoded input.</summary>
    public float[][] Predict(IReadOnlyList<EncodedText> encoded)
    {
        lock (_sync)
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            _checkpoint.Model.eval();
            using TokenBatch batch = TokenBatch.Create(encoded, _checkpoint.Tokenizer.PadId);
            torch.Tensor logits = _checkpoint.Model.forward(batch.Ids, batch.Mask, batch.TypeIds);
            torch.Tensor output = _columns.Regression ? logits : logits.softmax(-1);
            float[] flat = output.to(torch.float32).data<float>().ToArray();
            int width = (int)output.shape[1];
            return Enumerable.Range(0, encoded.Count).Select(i => flat.AsSpan(i * width, width).ToArray()).ToArray();
        }
    }

    public override Delegate Getter(int output, Func<object> current)
    {
        if (_columns.Regression)
        {
            return (ValueGetter<float>)((ref float value) => value = ((float[])current())[0]);
        }

        if (output == 0)
        {
            return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
            {
                float[] probabilities = (float[])current();
                var editor = VBufferEditor.Create(ref value, probabilities.Length);
                probabilities.CopyTo(editor.Values);
                value = editor.Commit();
            });
        }

        return (ValueGetter<uint>)((ref uint value) =>
        {
            float[] probabilities = (float[])current();
            int best = 0;
            for (int i = 1; i < probabilities.Length; i++)
            {
                if (probabilities[i] > probabilities[best])
                {
                    best = i;
                }
            }

            value = (uint)best + 1; // keys are 1-based; 0 means missing
        });
    }
}
