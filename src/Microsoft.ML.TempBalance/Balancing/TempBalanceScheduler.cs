using System.Diagnostics;
using Microsoft.ML.TempBalance.Optimizers;
using Microsoft.ML.TempBalance.Schedules;
using Microsoft.ML.TempBalance.Spectral;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Balancing;

/// <summary>
/// TempBalance: recomputes the ESD of the balanced layers at step 0 (before the first update) and then at the
/// configured cadence, maps each unit's score to a factor, and before every optimizer step sets each group's
/// rate to base(t) x factor. Between analyses the last factors are kept, so the rates follow the base schedule
/// (warmup included). Units without an eligible layer or with a non-finite score keep the base rate and do not
/// take part in the mapping, so they cannot move the other units' rates.
/// </summary>
public sealed class TempBalanceScheduler : ILearningRateController, IDisposable
{
    private readonly GroupedOptimizer _optimizer;
    private readonly ParameterGrouping _grouping;
    private readonly IBaseSchedule _schedule;
    private readonly TempBalanceOptions _options;
    private readonly SpectralAnalyzer _analyzer;
    private readonly bool _background;
    private readonly Stopwatch _clock = new();
    private Dictionary<string, double>? _fixedScores;
    private Dictionary<string, double> _rateFactors;
    private Dictionary<string, double> _decayFactors;
    private Task<(SpectralReport Report, double Seconds)>? _pending;
    private long _pendingStep;
    private long _lastAnalysedStep = -1;
    private int _lastEpoch = -1;
    private double _lastCost;
    private double _elapsedBefore;

    /// <summary>Creates the scheduler.</summary>
    /// <param name="optimizer">An optimizer built from <paramref name="grouping"/> (same groups, same order).</param>
    /// <param name="grouping">The model's grouping for these options.</param>
    /// <param name="schedule">The base schedule.</param>
    /// <param name="options">TempBalance settings (the same as used for the grouping).</param>
    public TempBalanceScheduler(GroupedOptimizer optimizer, ParameterGrouping grouping, IBaseSchedule schedule, TempBalanceOptions options)
    {
        _optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        _grouping = grouping ?? throw new ArgumentNullException(nameof(grouping));
        _schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
        if (optimizer.Groups.Count != grouping.Groups.Count || optimizer.Groups.Where((g, i) => g.Name != grouping.Groups[i].Name).Any())
        {
            throw new ArgumentException("The optimizer's groups must be the grouping's groups in the same order (build it with OptimizerFactory.Create(grouping, ...)).", nameof(optimizer));
        }

        _background = options.BackgroundAnalysis ?? grouping.Layers.Any(l => l.Weight.device_type != DeviceType.CPU);
        // A background analysis must not change torch's global thread settings under the training thread.
        _analyzer = new SpectralAnalyzer(_background ? options.Analyzer with { Threads = 1 } : options.Analyzer);
        _rateFactors = grouping.Units.ToDictionary(u => u.Name, _ => 1.0);
        _decayFactors = new Dictionary<string, double>(_rateFactors);
    }

    /// <summary>Raised after each analysis whose factors were applied.</summary>
    public event EventHandler<BalanceUpdate>? Updated;

    /// <summary>The last applied update (null before step 0).</summary>
    public BalanceUpdate? LastUpdate { get; private set; }

    /// <summary>Current learning-rate factor per unit.</summary>
    public IReadOnlyDictionary<string, double> Factors => _rateFactors;

    /// <summary>Number of analyses applied.</summary>
    public int UpdateCount { get; private set; }

    /// <summary>Total wall time spent in analyses (on the training thread, or in the background).</summary>
    public double AnalysisSeconds { get; private set; }

    /// <inheritdoc />
    public void BeforeStep(long step, int epoch)
    {
        if (!_clock.IsRunning)
        {
            _clock.Start();
        }

        if (_pending is { IsCompleted: true })
        {
            (SpectralReport report, double seconds) = _pending.GetAwaiter().GetResult();
            _pending = null;
            Apply(report, seconds, step, epoch, _pendingStep);
        }

        if (IsDue(step, epoch))
        {
            if (_background && LastUpdate is not null)
            {
                StartBackground(step);
            }
            else
            {
                var watch = Stopwatch.StartNew();
                SpectralReport report = _analyzer.AnalyzeLayers(_grouping.Layers, "training");
                Apply(report, watch.Elapsed.TotalSeconds, step, epoch, step);
            }

            _lastAnalysedStep = step;
        }

        _lastEpoch = epoch;
        SetRates(_schedule.LearningRateAt(step));
    }

    private bool IsDue(long step, int epoch)
    {
        if (_lastAnalysedStep < 0)
        {
            return true;
        }

        if (_pending is not null)
        {
            return false;
        }

        return _options.Cadence switch
        {
            StepCadence c => step % c.Interval == 0,
            EpochCadence c => epoch != _lastEpoch && epoch % c.Interval == 0,
            BudgetCadence c => c.Allows(AnalysisSeconds, _lastCost, _elapsedBefore + _clock.Elapsed.TotalSeconds),
            ReferenceCadence => throw new InvalidOperationException("Resolve the reference cadence with ReferenceCadence.Resolve(batchesPerEpoch) before training (the training engine does this)."),
            _ => throw new InvalidOperationException($"Unknown cadence {_options.Cadence}."),
        };
    }

    private void StartBackground(long step)
    {
        // The snapshot is taken now, on the training thread, so the analysis sees the weights of this step.
        var snapshot = _grouping.Layers.Select(l =>
        {
            // A Fourier layer's corners are all copied; its Weight is the first of them.
            List<torch.Tensor>? parts = l.SpectralParts?.Select(Snapshot).ToList();
            return l with
            {
                Weight = parts is null ? Snapshot(l.Weight) : parts[0],
                LoraA = l.LoraA is null ? null : Snapshot(l.LoraA),
                LoraB = l.LoraB is null ? null : Snapshot(l.LoraB),
                SpectralParts = parts,
            };
        }).ToList();
        _pendingStep = step;
        _pending = Task.Run(() =>
        {
            try
            {
                var watch = Stopwatch.StartNew();
                SpectralReport report = _analyzer.AnalyzeLayers(snapshot, "training (background)");
                return (report, watch.Elapsed.TotalSeconds);
            }
            finally
            {
                foreach (LayerWeight layer in snapshot)
                {
                    foreach (torch.Tensor part in layer.SpectralParts ?? new[] { layer.Weight })
                    {
                        part.Dispose();
                    }

                    layer.LoraA?.Dispose();
                    layer.LoraB?.Dispose();
                }
            }
        });
    }

    private static torch.Tensor Snapshot(torch.Tensor tensor)
    {
        using torch.Tensor detached = tensor.detach();
        return detached.to(DeviceType.CPU, copy: true).DetachFromDisposeScope();
    }

    private void Apply(SpectralReport report, double seconds, long step, int epoch, long analysedStep)
    {
        AnalysisSeconds += seconds;
        _lastCost = seconds;
        var warnings = new List<string>();
        Dictionary<string, double> scores = Scores(report, out Dictionary<string, string> reasons);
        if (_options.FixedScores)
        {
            _fixedScores ??= scores;
            scores = _fixedScores.ToDictionary(p => p.Key, p => p.Value);
            foreach (string unit in reasons.Keys.Where(scores.ContainsKey).ToList())
            {
                reasons.Remove(unit);
            }

            foreach (BalancedUnit unit in _grouping.Units.Where(u => !scores.ContainsKey(u.Name)))
            {
                reasons[unit.Name] = "no finite score at step 0 (FixedScores)";
            }
        }

        bool balanceRate = (_options.Target & BalanceTarget.LearningRate) != 0;
        bool balanceDecay = (_options.Target & BalanceTarget.WeightDecay) != 0;
        _rateFactors = balanceRate ? Map(_options.Mapping, scores, warnings) : Ones();
        _decayFactors = balanceDecay ? Map(_options.WeightDecayMapping, scores, warnings) : Ones();
        foreach ((string unit, string reason) in reasons)
        {
            warnings.Add($"{unit} keeps the base rate: {reason}");
        }

        double rate = _schedule.LearningRateAt(step);
        var units = _grouping.Units.Select(u => new UnitBalance(
            u.Name,
            scores.TryGetValue(u.Name, out double score) ? score : double.NaN,
            _rateFactors[u.Name],
            rate * _rateFactors[u.Name],
            _decayFactors[u.Name],
            scores.ContainsKey(u.Name),
            reasons.GetValueOrDefault(u.Name))).ToList();
        UpdateCount++;
        LastUpdate = new BalanceUpdate(step, epoch, analysedStep, units, report, seconds, warnings);
        Updated?.Invoke(this, LastUpdate);
    }

    private Dictionary<string, double> Scores(SpectralReport report, out Dictionary<string, string> reasons)
    {
        reasons = new Dictionary<string, string>(StringComparer.Ordinal);
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        var byName = report.Layers.ToDictionary(l => l.Name, StringComparer.Ordinal);
        foreach (BalancedUnit unit in _grouping.Units)
        {
            var usable = new List<double>();
            var problems = new List<string>();
            foreach (string name in unit.Layers)
            {
                LayerSpectrum layer = byName[name];
                double value = _options.Metric.Of(layer);
                if (!layer.Eligible)
                {
                    problems.Add($"{name}: {layer.Message ?? layer.Status.ToString()}");
                }
                else if (!double.IsFinite(value))
                {
                    problems.Add($"{name}: {_options.Metric} is {value}");
                }
                else
                {
                    usable.Add(value);
                }
            }

            if (usable.Count > 0)
            {
                scores[unit.Name] = usable.Average();
            }
            else
            {
                reasons[unit.Name] = string.Join("; ", problems);
            }
        }

        return scores;
    }

    private Dictionary<string, double> Map(ILearningRateMapping mapping, Dictionary<string, double> scores, List<string> warnings)
    {
        Dictionary<string, double> factors = Ones();
        if (scores.Count == 0)
        {
            warnings.Add("no unit has a usable score; every unit keeps the base rate");
            return factors;
        }

        string[] names = scores.Keys.ToArray();
        double[] mapped = mapping.Factors(names.Select(n => scores[n]).ToArray());
        if (mapped.Length != names.Length || mapped.Any(f => !double.IsFinite(f) || f <= 0))
        {
            warnings.Add($"{mapping.Name} gave a factor that is not a positive finite number ({string.Join(", ", mapped.Select(f => f.ToString("G4")))}); every unit keeps the base rate for this update");
            return factors;
        }

        if (_options.NormalizeFactors)
        {
            double mean = mapped.Average();
            mapped = mapped.Select(f => f / mean).ToArray();
        }

        for (int i = 0; i < names.Length; i++)
        {
            factors[names[i]] = mapped[i];
        }

        return factors;
    }

    private Dictionary<string, double> Ones() => _grouping.Units.ToDictionary(u => u.Name, _ => 1.0, StringComparer.Ordinal);

    private void SetRates(double rate)
    {
        for (int i = 0; i < _optimizer.Groups.Count; i++)
        {
            OptimizerGroup group = _optimizer.Groups[i];
            string? unit = _grouping.Groups[i].Unit;
            group.LearningRate = unit is null ? rate : rate * _rateFactors[unit];
            group.WeightDecay = unit is null ? group.BaseWeightDecay : group.BaseWeightDecay * _decayFactors[unit];
        }
    }

    /// <summary>
    /// The state a training checkpoint keeps. A background analysis still running is waited for and applied first, as
    /// from <paramref name="nextStep"/> of <paramref name="nextEpoch"/>, so that the checkpointed and the resumed run
    /// apply it at the same step.
    /// </summary>
    internal TempBalanceState CaptureState(long nextStep, int nextEpoch)
    {
        if (_pending is not null)
        {
            (SpectralReport report, double seconds) = _pending.GetAwaiter().GetResult();
            _pending = null;
            Apply(report, seconds, nextStep, nextEpoch, _pendingStep);
        }

        return new TempBalanceState(
            new Dictionary<string, double>(_rateFactors, StringComparer.Ordinal),
            new Dictionary<string, double>(_decayFactors, StringComparer.Ordinal),
            _fixedScores is null ? null : new Dictionary<string, double>(_fixedScores, StringComparer.Ordinal),
            _lastAnalysedStep,
            _lastEpoch,
            UpdateCount,
            AnalysisSeconds,
            _lastCost,
            _elapsedBefore + _clock.Elapsed.TotalSeconds,
            LastUpdate is null ? null : BalanceUpdateState.From(LastUpdate));
    }

    /// <summary>Continues from a captured state (before the first step of the resumed run).</summary>
    /// <exception cref="InvalidDataException">The state names other units than this grouping's.</exception>
    internal void RestoreState(TempBalanceState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var units = _grouping.Units.Select(u => u.Name).ToHashSet(StringComparer.Ordinal);
        if (!units.SetEquals(state.RateFactors.Keys) || !units.SetEquals(state.DecayFactors.Keys))
        {
            throw new InvalidDataException($"The saved TempBalance state balances the units {string.Join(", ", state.RateFactors.Keys.Order(StringComparer.Ordinal))}; this model's are {string.Join(", ", units.Order(StringComparer.Ordinal))}.");
        }

        _rateFactors = new Dictionary<string, double>(state.RateFactors, StringComparer.Ordinal);
        _decayFactors = new Dictionary<string, double>(state.DecayFactors, StringComparer.Ordinal);
        _fixedScores = state.FixedScores is null ? null : new Dictionary<string, double>(state.FixedScores, StringComparer.Ordinal);
        _lastAnalysedStep = state.LastAnalysedStep;
        _lastEpoch = state.LastEpoch;
        UpdateCount = state.UpdateCount;
        AnalysisSeconds = state.AnalysisSeconds;
        _lastCost = state.LastCost;
        _elapsedBefore = state.ElapsedSeconds;
        LastUpdate = state.LastUpdate?.ToUpdate();
    }

    /// <summary>Waits for a background analysis still running.</summary>
    public void Dispose()
    {
        try
        {
            _pending?.Wait();
        }
        catch (AggregateException)
        {
            // The training run is over; a failed last analysis has nothing left to update.
        }

        _pending = null;
    }
}
