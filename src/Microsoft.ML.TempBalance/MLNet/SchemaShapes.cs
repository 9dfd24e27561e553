using System.Runtime.CompilerServices;
using Microsoft.ML.Data;

namespace Microsoft.ML.TempBalance.MLNet;

/// <summary>
/// Builds <see cref="SchemaShape.Column"/>s, whose constructor ML.NET keeps internal, for estimators'
/// <c>GetOutputSchema</c>. Uses <see cref="UnsafeAccessorAttribute"/> (public types only in the signature);
/// covered by tests so an ML.NET change fails loudly.
/// </summary>
internal static class SchemaShapes
{
    public const string KeyValues = "KeyValues";
    public const string SlotNames = "SlotNames";

    [UnsafeAccessor(UnsafeAccessorKind.Constructor)]
    private static extern SchemaShape.Column NewColumn(string name, SchemaShape.Column.VectorKind kind, DataViewType itemType, bool isKey, SchemaShape? annotations);

    public static SchemaShape.Column Scalar(string name, DataViewType type) => NewColumn(name, SchemaShape.Column.VectorKind.Scalar, type, false, null);

    public static SchemaShape.Column Vector(string name, DataViewType itemType, bool slotNames) =>
        NewColumn(name, SchemaShape.Column.VectorKind.Vector, itemType, false, slotNames ? TextVectorAnnotation(SlotNames) : null);

    /// <summary>A classifier's Score: a Single vector with the annotations ML.NET's multiclass trainers declare.</summary>
    public static SchemaShape.Column MulticlassScore(string name) =>
        NewColumn(name, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false, ScoreAnnotationShape(SlotNames, ScoreAnnotations.TrainingLabelValues));

    /// <summary>A classifier's PredictedLabel: a UInt32 key with key values and the score annotations.</summary>
    public static SchemaShape.Column MulticlassPredictedLabel(string name) =>
        NewColumn(name, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, true, ScoreAnnotationShape(KeyValues));

    /// <summary>A regression Score: a Single with the score annotations.</summary>
    public static SchemaShape.Column RegressionScore(string name) =>
        NewColumn(name, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single, false, ScoreAnnotationShape());

    public static SchemaShape.Column? Find(SchemaShape shape, string name)
    {
        foreach (SchemaShape.Column column in shape)
        {
            if (column.Name == name)
            {
                return column;
            }
        }

        return null;
    }

    public static SchemaShape With(SchemaShape input, params SchemaShape.Column[] added)
    {
        var names = new HashSet<string>(added.Select(c => c.Name), StringComparer.Ordinal);
        return new SchemaShape(input.Where(c => !names.Contains(c.Name)).Concat(added));
    }

    private static SchemaShape ScoreAnnotationShape(params string[] textVectors) => new(
        textVectors.Select(kind => NewColumn(kind, SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance, false, null))
            .Append(NewColumn(ScoreAnnotations.ScoreColumnKind, SchemaShape.Column.VectorKind.Scalar, TextDataViewType.Instance, false, null))
            .Append(NewColumn(ScoreAnnotations.ScoreValueKind, SchemaShape.Column.VectorKind.Scalar, TextDataViewType.Instance, false, null))
            .Append(NewColumn(ScoreAnnotations.ScoreColumnSetId, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, true, null)));

    private static SchemaShape TextVectorAnnotation(string kind) =>
        new(new[] { NewColumn(kind, SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance, false, null) });
}
