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

    public static SchemaShape.Column Key(string name) => NewColumn(name, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, true, TextVectorAnnotation(KeyValues));

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

    private static SchemaShape TextVectorAnnotation(string kind) =>
        new(new[] { NewColumn(kind, SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance, false, null) });
}
