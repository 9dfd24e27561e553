using Microsoft.ML.Data;

namespace Microsoft.ML.TempBalance.MLNet;

/// <summary>Scores one row at a time (prediction engines, row-to-row chains); the result is cached per row position.</summary>
internal sealed class ScoringRowMapper : IRowToRowMapper
{
    private readonly BatchScorer _scorer;

    public ScoringRowMapper(DataViewSchema inputSchema, BatchScorer scorer)
    {
        InputSchema = inputSchema;
        _scorer = scorer;
        OutputSchema = scorer.OutputSchema(inputSchema);
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var columns = dependingColumns.ToList();
        var needed = columns.Where(c => c.Index < InputSchema.Count).Select(c => InputSchema[c.Index]).ToList();
        if (columns.Any(c => c.Index >= InputSchema.Count))
        {
            needed.AddRange(_scorer.InputColumns.Select(n => InputSchema[n]));
        }

        return needed.DistinctBy(c => c.Index);
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new ScoredRow(this, input, activeColumns);

    private sealed class ScoredRow : DataViewRow
    {
        private readonly ScoringRowMapper _mapper;
        private readonly DataViewRow _input;
        private readonly bool[] _active;
        private readonly Func<object>? _read;
        private long _cachedPosition = -1;
        private object? _result;

        public ScoredRow(ScoringRowMapper mapper, DataViewRow input, IEnumerable<DataViewSchema.Column> active)
        {
            _mapper = mapper;
            _input = input;
            _active = new bool[mapper.OutputSchema.Count];
            foreach (DataViewSchema.Column column in active)
            {
                _active[column.Index] = true;
            }

            if (_active.Skip(mapper.InputSchema.Count).Any(a => a))
            {
                _read = mapper._scorer.InputReader(input);
            }
        }

        public override DataViewSchema Schema => _mapper.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int inputCount = _mapper.InputSchema.Count;
            return column.Index < inputCount
                ? _input.GetGetter<TValue>(_input.Schema[column.Index])
                : (ValueGetter<TValue>)_mapper._scorer.Getter(column.Index - inputCount, Current);
        }

        private object Current()
        {
            if (_result is null || _cachedPosition != _input.Position)
            {
                _result = _mapper._scorer.Score(new[] { _read!() })[0];
                _cachedPosition = _input.Position;
            }

            return _result;
        }
    }
}
