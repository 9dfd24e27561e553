using System.Runtime.InteropServices;
using Microsoft.ML.TempBalance.Runtime;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Runtime;

/// <summary>After the runtime is set up, a large tensor comes from glibc's heap, not from a fresh mmap region.</summary>
[TestClass]
public sealed class NativeHeapTests
{
    [TestMethod]
    public void LargeTensorsAreNotMappedSeparatelyOnceTheRuntimeIsSetUp()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("TEMPBALANCE_SYSTEM_MALLOC") == "1")
        {
            Assert.Inconclusive("glibc only, and not opted out");
        }

        TorchRuntime.SetThreadCount(2);
        Assert.IsTrue(NativeHeap.KeepLargeBlocks(), "mallopt did not accept the settings");
        ulong mappedBefore = MallInfo2().hblkhd;
        // 40 MB: above glibc's largest default mmap threshold (32 MB), below the 64 MB heap size of the arenas that
        // threads other than the main one (such as this test's) allocate from.
        using (var big = torch.ones(10_000_000))
        {
            Assert.AreEqual(10_000_000.0, big.sum(type: torch.float64).item<double>());
            ulong mappedDuring = MallInfo2().hblkhd;
            Assert.IsLessThan(40_000_000UL, mappedDuring - Math.Min(mappedDuring, mappedBefore), "the 40 MB tensor was mmapped on its own");
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MallocInfo
    {
        public ulong arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    [DllImport("libc.so.6", EntryPoint = "mallinfo2")]
    private static extern MallocInfo MallInfo2();
}
