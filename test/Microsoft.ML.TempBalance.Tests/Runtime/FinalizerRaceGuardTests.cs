using System.Runtime;
using Microsoft.ML.TempBalance.Runtime;

namespace Microsoft.ML.TempBalance.Tests.Runtime;

[TestClass]
public sealed class FinalizerRaceGuardTests
{
    [TestMethod]
    public void EnterOpensANoGcRegionAndExitClosesIt()
    {
        Assert.AreNotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode, "no region before the test");
        FinalizerRaceGuard.Enter();
        try
        {
            Assert.AreEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
            FinalizerRaceGuard.Enter(); // already open: nothing happens, and no exception
            Assert.AreEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        }
        finally
        {
            FinalizerRaceGuard.Exit();
        }

        Assert.AreNotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        FinalizerRaceGuard.Exit(); // a second exit is harmless
    }

    [TestMethod]
    public void ARegionTheHostOpenedIsLeftToTheHost()
    {
        Assert.IsTrue(GC.TryStartNoGCRegion(1 << 20));
        try
        {
            FinalizerRaceGuard.Enter();
            FinalizerRaceGuard.Exit();
            Assert.AreEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode, "the guard must not close the host's region");
        }
        finally
        {
            GC.EndNoGCRegion();
        }
    }

    [TestMethod]
    public void ExitAfterTheRegionEndedByItselfDoesNotThrow()
    {
        FinalizerRaceGuard.Enter();
        GC.Collect(); // an induced collection ends the region
        FinalizerRaceGuard.Exit();
        Assert.AreNotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
    }
}
