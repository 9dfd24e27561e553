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
