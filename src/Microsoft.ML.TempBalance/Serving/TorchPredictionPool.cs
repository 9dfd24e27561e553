using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.MLNet;

namespace Microsoft.ML.TempBalance.Serving;

/// <summary>
/// Thread-safe predictions from a model saved with <see cref="TorchModelOperations.SaveTorchModel"/>, for services:
/// the role of Microsoft.Extensions.ML's <c>PredictionEnginePool</c> (not available here). Prediction engines are
/// pooled per model. When the file is replaced (written atomically, as <c>SaveTorchModel</c> does) the pool loads the
/// new model and switches to it between predictions; predictions in flight finish on the old one, which is disposed
/// after them. A replacement that fails to load leaves the current model serving and is reported in
/// <see cref="LastReloadError"/>.
/// </summary>
/// <typeparam name="TInput">Input row class (columns by property name, as for ML.NET prediction engines).</typeparam>
/// <typeparam name="TOutput">Output row class.</typeparam>
public sealed class TorchPredictionPool<TInput, TOutput> : IDisposable
    where TInput : class
    where TOutput : class, new()
{
    private readonly MLContext _ml;
    private readonly FileSystemWatcher? _watcher;
    private readonly Timer? _debounce;
    private readonly object _reloadSync = new();
    private PooledModel<TInput, TOutput> _current;
    private int _disposed;

    /// <summary>Loads <paramref name="modelPath"/>; with <paramref name="watchForChanges"/>, reloads it when the file is replaced.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="modelPath"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable model (named).</exception>
    public TorchPredictionPool(MLContext mlContext, string modelPath, bool watchForChanges = true)
    {
        _ml = mlContext ?? throw new ArgumentNullException(nameof(mlContext));
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        ModelPath = Path.GetFullPath(modelPath);
        _current = Load(1);
        if (watchForChanges)
        {
            // Renaming a finished temporary file over the model (an atomic write) raises Renamed or Created; an
            // in-place rewrite raises Changed, possibly several times: all start the same short timer.
            _debounce = new Timer(_ => ReloadFromWatcher(), null, Timeout.Infinite, Timeout.Infinite);
            _watcher = new FileSystemWatcher(Path.GetDirectoryName(ModelPath)!, Path.GetFileName(ModelPath))
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            _watcher.Changed += (_, _) => ScheduleReload();
            _watcher.Created += (_, _) => ScheduleReload();
            _watcher.Renamed += (_, e) =>
            {
                if (string.Equals(e.FullPath, ModelPath, StringComparison.Ordinal))
                {
                    ScheduleReload();
                }
            };
            _watcher.EnableRaisingEvents = true;
        }
    }

    /// <summary>Raised after a new model took over (argument: its version).</summary>
    public event EventHandler<int>? Reloaded;

    /// <summary>The model file.</summary>
    public string ModelPath { get; }

    /// <summary>1 for the first model, one more per successful reload.</summary>
    public int Version => Volatile.Read(ref _current).Version;

    /// <summary>When the current model was loaded.</summary>
    public DateTimeOffset LoadedAt => Volatile.Read(ref _current).LoadedAt;

    /// <summary>Why the last reload failed (the current model kept serving); null after a successful one.</summary>
    public Exception? LastReloadError { get; private set; }

    /// <summary>The current model's output schema.</summary>
    public DataViewSchema OutputSchema
    {
        get
        {
            PooledModel<TInput, TOutput> model = Acquire();
            try
            {
                return model.Model.GetOutputSchema(model.InputSchema);
            }
            finally
            {
                model.Release();
            }
        }
    }

    /// <summary>Scores one row; safe from any number of threads.</summary>
    public TOutput Predict(TInput input) => Predict(input, out _);

    /// <summary>Scores one row and says which model version (see <see cref="Version"/>) scored it.</summary>
    public TOutput Predict(TInput input, out int modelVersion)
    {
        ArgumentNullException.ThrowIfNull(input);
        PooledModel<TInput, TOutput> model = Acquire();
        try
        {
            modelVersion = model.Version;
            return model.Predict(input);
        }
        finally
        {
            model.Release();
        }
    }

    /// <summary>Loads the file now and switches to it; false (current model kept, <see cref="LastReloadError"/> set) if it cannot be read.</summary>
    public bool Reload()
    {
        lock (_reloadSync)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return false;
            }

            PooledModel<TInput, TOutput> next;
            try
            {
                next = Load(Version + 1);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                LastReloadError = e;
                return false;
            }

            LastReloadError = null;
            PooledModel<TInput, TOutput> old = Interlocked.Exchange(ref _current, next);
            old.Release();
            Reloaded?.Invoke(this, next.Version);
            return true;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _watcher?.Dispose();
        _debounce?.Dispose();
        lock (_reloadSync)
        {
            _current.Release();
        }
    }

    private void ScheduleReload()
    {
        try
        {
            _debounce?.Change(200, Timeout.Infinite);
        }
        catch (ObjectDisposedException)
        {
            // A watcher event that raced with Dispose: nothing to reload any more.
        }
    }

    // On a timer thread an escaping exception would end the process; whatever a replacement file throws is recorded
    // instead, and the current model keeps serving.
    private void ReloadFromWatcher()
    {
        try
        {
            Reload();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LastReloadError = e;
        }
    }

    private PooledModel<TInput, TOutput> Acquire()
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            PooledModel<TInput, TOutput> model = Volatile.Read(ref _current);
            if (model.TryAcquire())
            {
                return model;
            }
        }
    }

    // Loads the file and makes its first prediction engine, so a model that does not fit TInput/TOutput (another
    // input column, no such output) is refused here, before it replaces a working one.
    private PooledModel<TInput, TOutput> Load(int version)
    {
        ITransformer model = _ml.Model.LoadTorchModel(ModelPath, out DataViewSchema inputSchema);
        var pooled = new PooledModel<TInput, TOutput>(_ml, model, inputSchema, version);
        try
        {
            pooled.Prepare();
            return pooled;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            pooled.Dispose();
            throw new InvalidDataException($"'{ModelPath}' does not fit {typeof(TInput).Name} -> {typeof(TOutput).Name}: {e.Message}", e);
        }
    }
}
