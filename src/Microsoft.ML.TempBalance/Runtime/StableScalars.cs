using System.Collections.Concurrent;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Runtime;

/// <summary>
/// Scalars that live as long as the process, for code that runs outside the training engine's no-GC regions (scoring
/// on any thread, prediction engines, the forward passes they run). TorchSharp 0.107 turns a plain number into a
/// temporary <see cref="Scalar"/> that nothing references once its pointer is passed to libtorch, so a collection
/// another thread starts can finalize it under the running kernel (<see cref="FinalizerRaceGuard"/>); a scalar held
/// here is never collected. Each distinct value is made once: the values are model constants (1, 0.5, 1/√d, LoRA
/// scalings, position counts), so the cache stays small. A test follows the IL of every scoring path and fails on any
/// number-to-Scalar conversion that does not come from here.
/// </summary>
internal static class StableScalars
{
    private static readonly ConcurrentDictionary<long, Scalar> Integers = new();
    private static readonly ConcurrentDictionary<double, Scalar> Reals = new();

    /// <summary>1 (integral), the alpha of a plain <c>a.add(b, One)</c>.</summary>
    public static Scalar One => Of(1L);

    /// <summary>An integral scalar (as TorchSharp makes from an int or a long).</summary>
    public static Scalar Of(long value) => Integers.GetOrAdd(value, v => v.ToScalar());

    /// <summary>A floating-point scalar (as TorchSharp makes from a double).</summary>
    public static Scalar Of(double value) => Reals.GetOrAdd(value, v => v.ToScalar());
}
