using System.Runtime;

namespace Microsoft.ML.TempBalance.Runtime;

/// <summary>
/// Keeps the garbage collector from running in the middle of a training step, because TorchSharp 0.107 is not
/// safe against it. TorchSharp turns numbers into temporary <c>Scalar</c> objects (<c>a.add(b)</c> passes alpha = 1,
/// <c>square()</c> passes 2, optimizers pass their step sizes) and hands only their native pointer to libtorch, so
/// the managed object is unreachable while the native call still reads it. A collection started then by another
/// thread (TempBalance's background analysis, the finalizer thread, the host's own threads) finalizes the object,
/// which frees the native scalar under the running kernel: the step fails with "Expected false to be true" or
/// "Unknown scalar type" from <c>c10::Scalar</c>, or reads a garbage number. A 2-thread FNO run died with that
/// message at epoch 20; <c>src/Benchmarks</c> mode <c>scalar-race</c> reproduces it in seconds.
/// <para>
/// The guard opens a no-GC region (<see cref="GC.TryStartNoGCRegion(long)"/>) before a step whenever none is open:
/// the collection it needs then runs at the step boundary, on the training thread, when no native call is in
/// flight, and the budget lets the following steps allocate without another one. When the budget runs out the
/// runtime closes the region by itself and the next step opens a new one. What it does not cover: a collection
/// the host forces (<c>GC.Collect</c>) and the rare one when a budget runs out mid-step. Scoring and TempBalance's
/// analysis thread do not rely on it: their code passes only <see cref="StableScalars"/>, which are never collected.
/// Process-wide; a no-op when the host already holds a region or with the environment variable
/// <c>TEMPBALANCE_GC_GUARD=0</c>.
/// </para>
/// </summary>
internal static class FinalizerRaceGuard
{
    /// <summary>The opt-out environment variable.</summary>
    public const string OptOutVariable = "TEMPBALANCE_GC_GUARD";

    // Managed allocations a region allows (all threads together). Training allocates small wrappers per op, tens
    // of kilobytes per step, so one region lasts many steps and the full collection opening it is rare.
    private const long Budget = 128L << 20;

    private static readonly bool Enabled = Environment.GetEnvironmentVariable(OptOutVariable) != "0";

    [ThreadStatic]
    private static bool _opened;

    /// <summary>Opens a region unless one is open; call on the training thread between native calls.</summary>
    public static void Enter()
    {
        if (!Enabled || GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            return;
        }

        try
        {
            if (GC.TryStartNoGCRegion(Budget))
            {
                _opened = true;
            }
        }
        catch (InvalidOperationException)
        {
            // Another thread opened one between the check and the call.
        }
    }

    /// <summary>Closes the region this thread opened, if it is still open (end of training).</summary>
    public static void Exit()
    {
        if (!_opened)
        {
            return;
        }

        _opened = false;
        if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            try
            {
                GC.EndNoGCRegion();
            }
            catch (InvalidOperationException)
            {
                // The region already ended (budget spent or an induced collection); nothing to close.
            }
        }
    }
}
