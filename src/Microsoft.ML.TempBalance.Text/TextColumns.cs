using Microsoft.ML.Data;

namespace Microsoft.ML.TempBalance.Text;

/// <summary>Column names of a text trainer and transformer.</summary>
internal sealed record TextColumns(string Label, string Sentence1, string? Sentence2, string Score, string PredictedLabel, bool Regression)
{
    public static ValueGetter<ReadOnlyMemory<char>> TextGetter(DataViewRow row, string name)
    {
        DataViewSchema.Column column = row.Schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(name), $"The input has no text column '{name}'.");
        if (column.Type is not TextDataViewType)
        {
            throw new ArgumentOutOfRangeException(nameof(name), $"Column '{name}' must hold text (String); it holds {column.Type}.");
        }

        return row.GetGetter<ReadOnlyMemory<char>>(column);
    }

    /// <summary>Estimator-time check: each named column is a scalar String in the input shape.</summary>
    public static void RequireTextShapes(SchemaShape input, params string?[] names)
    {
        foreach (string? name in names)
        {
            if (name is not null && MLNet.SchemaShapes.Find(input, name) is not { ItemType: TextDataViewType, Kind: SchemaShape.Column.VectorKind.Scalar })
            {
                throw new ArgumentOutOfRangeException(nameof(input), $"The data needs a String column '{name}' (sentence column).");
            }
        }
    }

    /// <summary>Checks the input has the text columns (and, when <paramref name="withLabel"/>, a label of the right type).</summary>
    public void Check(DataViewSchema schema, bool withLabel)
    {
        foreach (string? name in new[] { Sentence1, Sentence2 })
        {
            if (name is null)
            {
                continue;
            }

            DataViewSchema.Column column = schema.GetColumnOrNull(name)
                ?? throw new ArgumentOutOfRangeException(nameof(schema), $"The data has no column '{name}' (the sentence column); expected a String column.");
            if (column.Type is not TextDataViewType)
            {
                throw new ArgumentOutOfRangeException(nameof(schema), $"Schema mismatch for sentence column '{name}': expected String, got {column.Type}.");
            }
        }

        if (!withLabel)
        {
            return;
        }

        DataViewSchema.Column label = schema.GetColumnOrNull(Label)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"The data has no label column '{Label}'.");
        if (Regression && label.Type != NumberDataViewType.Single)
        {
            throw new ArgumentOutOfRangeException(nameof(schema), $"Schema mismatch for label column '{Label}': expected Single, got {label.Type}.");
        }

        if (!Regression && label.Type is not KeyDataViewType)
        {
            throw new ArgumentOutOfRangeException(nameof(schema), $"Schema mismatch for label column '{Label}': expected Key (use MapValueToKey), got {label.Type}.");
        }
    }
}
