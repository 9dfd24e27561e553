namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>What happened to a trial of a run.</summary>
public enum TrialEvent
{
    /// <summary>The trial had a valid result from an earlier run and was not run again.</summary>
    Skipped,

    /// <summary>The trial is about to train.</summary>
    Started,

    /// <summary>The trial's result was written.</summary>
    Finished,
}

/// <summary>Where a run (or shard) stands, reported for every trial before and after it runs.</summary>
/// <param name="Done">Trials of this shard with a result (skipped or finished).</param>
/// <param name="Total">Trials in this shard.</param>
/// <param name="TrialId">The trial the event is about.</param>
/// <param name="Event">What happened to it.</param>
/// <param name="EtaSeconds">Estimated seconds until the shard is done; null until a trial has run in this invocation.</param>
public sealed record ExperimentProgress(int Done, int Total, string TrialId, TrialEvent Event, double? EtaSeconds);
