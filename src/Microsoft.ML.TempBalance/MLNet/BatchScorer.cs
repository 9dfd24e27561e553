using Microsoft.ML.Data;

namespace Microsoft.ML.TempBalance.MLNet;

/// <summary>
/// The part of a TorchSharp-backed transformer that turns input rows into output values: which input columns it
/// reads, which output columns it adds, and how a batch of rows is scored. <see cref="ScoredDataView"/> (batched,
/// for <c>Transform</c>) and <see cref="ScoringRowMapper"/> (one row, for prediction engines) share it.
/// </summary>
internal abstract class BatchScorer
{
    /// <summary>Rows scored together by <see cref="ScoredDataView"/>.</summary>
    public abstract int BatchSize { get; }

    /// <summary>Input columns the scorer reads.</summary>
    public abstract IReadOnlyList<string> InputColumns { get; }

    /// <summary>Output columns, appended after the input's (hiding input columns of the same name).</summary>
    public abstract IReadOnlyList<DataViewSchema.DetachedColumn> OutputColumns { get; }

    /// <summary>A function returning the scorer's input for the row the cursor is on.</summary>
    public abstract Func<object> InputReader(DataViewRow row);

    /// <summary>One result per input, in order.</summary>
    public abstract object[] Score(IReadOnlyList<object> inputs);

    /// <summary>The getter of output <paramref name="output"/>, reading the current row's result.</summary>
    public abstract Delegate Getter(int output, Func<object> current);

    public DataViewSchema OutputSchema(DataViewSchema input)
    {
        foreach (string name in InputColumns)
        {
            if (input.GetColumnOrNull(name) is null)
            {
                throw new ArgumentOutOfRangeException(nameof(input), $"The input has no column '{name}', which the model reads.");
            }
        }

        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        uint setId = ScoreAnnotations.NextSetId(input);
        foreach (DataViewSchema.DetachedColumn column in OutputColumns)
        {
            builder.AddColumn(column.Name, column.Type, ScoreAnnotations.WithSetId(column.Annotations, setId));
        }

        return builder.ToSchema();
    }
}
