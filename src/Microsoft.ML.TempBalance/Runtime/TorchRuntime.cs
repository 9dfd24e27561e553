using System.Diagnostics;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Runtime;

/// <summary>Process-wide TorchSharp settings that every trainer and tool of this library sets explicitly.</summary>
public static class TorchRuntime
{
    /// <summary>
    /// Sets the number of intra-op threads torch uses. Set it deliberately: on small shared machines torch's
    /// own default was observed to be erratic. On Linux (glibc) the first call also tells glibc, for the whole
    /// process, to keep large freed blocks in its heap for reuse instead of unmapping them: FNO2d training steps ran
    /// about 4x faster here, and the process keeps its peak native heap between steps (up to 1 GB of it free). Opt
    /// out with the environment variable <c>TEMPBALANCE_SYSTEM_MALLOC=1</c>.
    /// </summary>
    /// <param name="threads">At least 1.</param>
    public static void SetThreadCount(int threads)
    {
        if (threads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threads), threads, "The torch thread count must be at least 1.");
        }

        torch.set_num_threads(threads);
        MklDynamicThreads.Disable();
        NativeHeap.KeepLargeBlocks();
    }

    /// <summary>
    /// Turns a device option (<c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>) into a torch device. When CUDA is
    /// requested but not available (a CPU build, or no GPU), returns the CPU and reports a warning.
    /// </summary>
    /// <param name="requested">The option value, case-insensitive.</param>
    /// <param name="warn">Receives the fallback warning; <see cref="Trace"/> when null.</param>
    public static torch.Device ResolveDevice(string requested, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(requested);
        string value = requested.Trim().ToLowerInvariant();
        if (value == "cpu")
        {
            return torch.CPU;
        }

        int index = 0;
        bool isCuda = value == "cuda"
            || (value.StartsWith("cuda:", StringComparison.Ordinal)
                && int.TryParse(value.AsSpan(5), out index) && index >= 0);
        if (!isCuda)
        {
            throw new ArgumentException($"Unknown device '{requested}'. Expected 'cpu', 'cuda' or 'cuda:N'.", nameof(requested));
        }

        if (!torch.cuda.is_available())
        {
            string message = $"Device '{requested}' was requested but CUDA is not available in this process "
                + "(a CPU build of TorchSharp, or no GPU); falling back to the CPU.";
            (warn ?? (m => Trace.TraceWarning(m)))(message);
            return torch.CPU;
        }

        if (index >= torch.cuda.device_count())
        {
            throw new ArgumentException(
                $"Device '{requested}' does not exist: {torch.cuda.device_count()} CUDA device(s) are visible.", nameof(requested));
        }

        return new torch.Device(DeviceType.CUDA, index);
    }
}
