using System.Collections.Concurrent;
using Microsoft.ML.Data;

namespace Microsoft.ML.TempBalance.Serving;

/// <summary>
/// One loaded model and the prediction engines made for it. Reference-counted: the pool holds one reference while the
/// model is current and each prediction one more, so a replaced model is disposed when its last prediction ends.
/// </summary>
internal sealed class PooledModel<TInput, TOutput> : IDisposable
    where TInput : class
    where TOutput : class, new()
{
    private readonly MLContext _ml;
    private readonly ConcurrentBag<PredictionEngine<TInput, TOutput>> _engines = new();
    private int _references = 1;

    public PooledModel(MLContext ml, ITransformer model, DataViewSchema inputSchema, int version)
    {
        _ml = ml;
        Model = model;
        InputSchema = inputSchema;
        Version = version;
        LoadedAt = DateTimeOffset.UtcNow;
    }

    public ITransformer Model { get; }

    public DataViewSchema InputSchema { get; }

    public int Version { get; }

    public DateTimeOffset LoadedAt { get; }

    /// <summary>Takes a reference unless the model is already released for good.</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            int current = Volatile.Read(ref _references);
            if (current <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Drops a reference; the last one disposes the engines and the model.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            Dispose();
        }
    }

    /// <summary>Makes the first engine (it fails if the model's columns do not fit the row classes).</summary>
    public void Prepare() => _engines.Add(_ml.Model.CreatePredictionEngine<TInput, TOutput>(Model));

    /// <summary>Scores one row with an engine of this model (engines are not thread-safe, so each is rented).</summary>
    public TOutput Predict(TInput input)
    {
        if (!_engines.TryTake(out PredictionEngine<TInput, TOutput>? engine))
        {
            engine = _ml.Model.CreatePredictionEngine<TInput, TOutput>(Model);
        }

        try
        {
            return engine.Predict(input);
        }
        finally
        {
            _engines.Add(engine);
        }
    }

    public void Dispose()
    {
        while (_engines.TryTake(out PredictionEngine<TInput, TOutput>? engine))
        {
            engine.Dispose();
        }

        IEnumerable<ITransformer> members = Model is TransformerChain<ITransformer> chain ? chain : new[] { Model };
        foreach (IDisposable disposable in members.OfType<IDisposable>())
        {
            disposable.Dispose();
        }
    }
}
