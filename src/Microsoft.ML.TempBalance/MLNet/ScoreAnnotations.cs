using Microsoft.ML.Data;

namespace Microsoft.ML.TempBalance.MLNet;

/// <summary>
/// The annotations ML.NET's own trainers put on their output columns (ML.NET's internal <c>AnnotationUtils.Kinds</c>),
/// which evaluators and tooling read: <c>ScoreColumnKind</c> (the task), <c>ScoreValueKind</c> (<c>Score</c> or
/// <c>PredictedLabel</c>), <c>ScoreColumnSetId</c> (one id per model's set of output columns: one more than the
/// largest id already in the input, so chained models stay apart) and, on a classifier's Score,
/// <c>TrainingLabelValues</c>.
/// </summary>
internal static class ScoreAnnotations
{
    public const string ScoreColumnKind = "ScoreColumnKind";
    public const string ScoreValueKind = "ScoreValueKind";
    public const string ScoreColumnSetId = "ScoreColumnSetId";
    public const string TrainingLabelValues = "TrainingLabelValues";
    public const string MulticlassClassification = "MulticlassClassification";
    public const string Regression = "Regression";
    public const string Score = "Score";
    public const string PredictedLabel = "PredictedLabel";

    /// <summary>ML.NET's type of <c>ScoreColumnSetId</c>: a UInt32 key of count <see cref="int.MaxValue"/>.</summary>
    public static readonly KeyDataViewType SetIdType = new(typeof(uint), int.MaxValue);

    /// <summary>Adds the task and value kinds.</summary>
    public static void AddKinds(DataViewSchema.Annotations.Builder builder, string columnKind, string valueKind)
    {
        builder.Add(ScoreColumnKind, TextDataViewType.Instance, (ref ReadOnlyMemory<char> v) => v = columnKind.AsMemory());
        builder.Add(ScoreValueKind, TextDataViewType.Instance, (ref ReadOnlyMemory<char> v) => v = valueKind.AsMemory());
    }

    /// <summary>The next free set id for an input schema (ML.NET's rule: the largest id present, plus one).</summary>
    public static uint NextSetId(DataViewSchema input)
    {
        uint largest = 0;
        foreach (DataViewSchema.Column column in input)
        {
            DataViewSchema.Column? id = column.Annotations.Schema.GetColumnOrNull(ScoreColumnSetId);
            if (id is { Type: KeyDataViewType key } && key.RawType == typeof(uint))
            {
                uint value = 0;
                column.Annotations.GetValue(ScoreColumnSetId, ref value);
                largest = Math.Max(largest, value);
            }
        }

        return largest + 1;
    }

    /// <summary>A column's annotations with <c>ScoreColumnSetId</c> added when it carries a <c>ScoreColumnKind</c>.</summary>
    public static DataViewSchema.Annotations WithSetId(DataViewSchema.Annotations annotations, uint setId)
    {
        if (annotations.Schema.GetColumnOrNull(ScoreColumnKind) is null)
        {
            return annotations;
        }

        var builder = new DataViewSchema.Annotations.Builder();
        builder.Add(annotations, name => name != ScoreColumnSetId);
        builder.Add(ScoreColumnSetId, SetIdType, (ref uint v) => v = setId);
        return builder.ToAnnotations();
    }
}
