namespace Microsoft.ML.TempBalance.Experiments;

/// <summary>Where a run (or shard) stands, reported for every trial before and after it runs.</summary>
/// <param name="Done">Trials of this shard with a result (skipped or finished).</param>
/// <param name="Total">Trials in this shard.</param>
/// <param name="TrialId">The trial the event is about.</param>
/// <param name="Event">What happened to it.</param>
/// <param name="EtaSeconds">Estimated seconds until the shard is done; null until a trial has run in this invocation.</param>
public sealed record ExperimentProgress(int Done, int Total, string TrialId, TrialEvent Event, double? EtaSeconds);
