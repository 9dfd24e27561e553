using System.Globalization;
using Microsoft.ML.TempBalance.Experiments;
using Microsoft.ML.TempBalance.Training;

namespace Microsoft.ML.TempBalance.Cli;

/// <summary>
/// Prints a run's progress as plain lines (they end up in log files of cluster jobs, where redrawn bars are noise):
/// an overall bar with the time left at the start of every trial, and a bar per epoch inside the trial.
/// </summary>
internal sealed class ExperimentProgressLines(TextWriter output, int epochs) : IProgress<ExperimentProgress>, ITrainingReporter
{
    private const int Width = 24;
    private int _skipped;
    private double _trialSeconds;

    public void Report(ExperimentProgress value)
    {
        switch (value.Event)
        {
            case TrialEvent.Skipped:
                _skipped++;
                if (value.Done == value.Total)
                {
                    WriteSkipped();
                    output.WriteLine($"{Bar(value.Done, value.Total)} {value.Done}/{value.Total} done");
                }

                break;
            case TrialEvent.Started:
                WriteSkipped();
                _trialSeconds = 0;
                output.WriteLine($"{Bar(value.Done, value.Total)} {value.Done}/{value.Total} done, starting {value.TrialId}, {Left(value.EtaSeconds)}");
                break;
            case TrialEvent.Finished when value.Done == value.Total:
                output.WriteLine($"{Bar(value.Done, value.Total)} {value.Done}/{value.Total} done");
                break;
        }
    }

    public void EpochCompleted(EpochSummary epoch)
    {
        _trialSeconds += epoch.Seconds;
        int done = epoch.Epoch + 1;
        double left = _trialSeconds / done * Math.Max(0, epochs - done);
        string validation = epoch.Validation is { } v ? string.Create(CultureInfo.InvariantCulture, $", validation {v.Name} {v.Metric:G5}") : "";
        string alpha = double.IsNaN(epoch.AlphaStd) ? "" : string.Create(CultureInfo.InvariantCulture, $", alpha std {epoch.AlphaStd:F3}")
            + (double.IsNaN(epoch.BlockAlphaStd) ? "" : string.Create(CultureInfo.InvariantCulture, $" (blocks {epoch.BlockAlphaStd:F3})"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    epoch {done}/{epochs} {Bar(done, epochs)} loss {epoch.TrainLoss:G5}{validation}{alpha}, trial {Left(left)}"));
    }

    // With a widened grid the finished trials are interleaved with new ones, so each line counts only the run of
    // skipped trials since the last trial that ran.
    private void WriteSkipped()
    {
        if (_skipped > 0)
        {
            output.WriteLine($"Skipped {_skipped} trial(s) that already have results.");
            _skipped = 0;
        }
    }

    private static string Bar(int done, int total) =>
        "[" + new string('#', (int)Math.Round(Width * (double)done / Math.Max(1, total))).PadRight(Width) + "]";

    private static string Left(double? seconds) => seconds switch
    {
        null => "time left: after the first trial",
        < 90 => string.Create(CultureInfo.InvariantCulture, $"about {seconds:F0} s left"),
        < 5400 => string.Create(CultureInfo.InvariantCulture, $"about {seconds / 60:F0} min left"),
        _ => string.Create(CultureInfo.InvariantCulture, $"about {seconds / 3600:F1} h left"),
    };
}
