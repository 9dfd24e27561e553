using Microsoft.ML.Data;

namespace Microsoft.ML.TempBalance.MLNet;

/// <summary>
/// The input view plus the scorer's output columns, scored in batches: a second cursor reads the scorer's inputs
/// ahead of the main cursor, one batch at a time (both cursors of an unshuffled view visit rows in the same order).
/// </summary>
internal sealed class ScoredDataView : IDataView
{
    private readonly IDataView _input;
    private readonly BatchScorer _scorer;

    public ScoredDataView(IDataView input, BatchScorer scorer)
    {
        _input = input ?? throw new ArgumentNullException(nameof(input));
        _scorer = scorer;
        Schema = scorer.OutputSchema(input.Schema);
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, columnsNeeded);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly ScoredDataView _view;
        private readonly DataViewRowCursor _main;
        private readonly DataViewRowCursor? _ahead;
        private readonly Func<object>? _read;
        private readonly bool[] _active;
        private object[] _results = Array.Empty<object>();
        private int _index;
        private long _position = -1;

        public Cursor(ScoredDataView view, IEnumerable<DataViewSchema.Column> needed)
        {
            _view = view;
            int inputCount = view._input.Schema.Count;
            _active = new bool[view.Schema.Count];
            foreach (DataViewSchema.Column column in needed)
            {
                _active[column.Index] = true;
            }

            _main = view._input.GetRowCursor(view._input.Schema.Where(c => _active[c.Index]));
            if (_active.Skip(inputCount).Any(a => a))
            {
                _ahead = view._input.GetRowCursor(view._scorer.InputColumns.Select(n => view._input.Schema[n]));
                _read = view._scorer.InputReader(_ahead);
            }
        }

        public override DataViewSchema Schema => _view.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        public override ValueGetter<DataViewRowId> GetIdGetter() => _main.GetIdGetter();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int inputCount = _view._input.Schema.Count;
            if (column.Index < inputCount)
            {
                return _main.GetGetter<TValue>(_view._input.Schema[column.Index]);
            }

            if (!_active[column.Index])
            {
                throw new InvalidOperationException($"Column '{column.Name}' was not requested from this cursor.");
            }

            return (ValueGetter<TValue>)_view._scorer.Getter(column.Index - inputCount, () => _results[_index]);
        }

        public override bool MoveNext()
        {
            if (!_main.MoveNext())
            {
                return false;
            }

            _position++;
            if (_ahead is not null && ++_index >= _results.Length)
            {
                var inputs = new List<object>(_view._scorer.BatchSize);
                while (inputs.Count < _view._scorer.BatchSize && _ahead.MoveNext())
                {
                    inputs.Add(_read!());
                }

                _results = _view._scorer.Score(inputs);
                _index = 0;
            }

            return true;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _main.Dispose();
                _ahead?.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
