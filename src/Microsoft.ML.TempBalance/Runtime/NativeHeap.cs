using System.Runtime.InteropServices;

namespace Microsoft.ML.TempBalance.Runtime;

/// <summary>
/// Keeps large native allocations (torch's CPU tensors) in glibc's heap instead of separate <c>mmap</c> regions.
/// By default glibc maps every block above its mmap threshold (at most 32 MB) on its own and unmaps it when freed,
/// so a tensor of that size allocated once per step (an FNO's 128-channel projection at 64² and batch 20 is 42 MB)
/// page-faults its whole size again on every step: on the 2-core machine of docs/benchmarks.md FNO2d training ran
/// about 4x slower that way, with half the CPU time in the kernel. With mmap off and a 1 GB trim threshold, freed
/// blocks are reused, and the process keeps its peak native heap (up to 1 GB of it free) instead of returning it
/// between steps, as PyTorch's GPU caching allocator does. Threads other than the process's main thread allocate
/// from glibc arenas of 64 MB heaps, so there a single block above 64 MB is still mapped on its own. Process-wide,
/// Linux with glibc (<c>libc.so.6</c>) only; elsewhere, or with the environment variable
/// <c>TEMPBALANCE_SYSTEM_MALLOC=1</c>, nothing changes.
/// </summary>
internal static class NativeHeap
{
    /// <summary>The opt-out environment variable.</summary>
    public const string OptOutVariable = "TEMPBALANCE_SYSTEM_MALLOC";

    // glibc's mallopt parameters (malloc.h).
    private const int TrimThreshold = -1;
    private const int TopPad = -2;
    private const int MmapMax = -4;

    private static readonly Lazy<bool> Applied = new(Apply);

    /// <summary>Applies the settings once per process; true when they are in effect.</summary>
    public static bool KeepLargeBlocks() => Applied.Value;

    private static bool Apply()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(OptOutVariable) == "1"
            || !NativeLibrary.TryLoad("libc.so.6", out IntPtr libc) || !NativeLibrary.TryGetExport(libc, "mallopt", out IntPtr address))
        {
            return false;
        }

        // mallopt returns 1 when the value was accepted.
        var mallopt = Marshal.GetDelegateForFunctionPointer<MallOpt>(address);
        return mallopt(MmapMax, 0) == 1
            && mallopt(TrimThreshold, 1 << 30) == 1
            && mallopt(TopPad, 64 << 20) == 1;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int MallOpt(int parameter, int value);
}
