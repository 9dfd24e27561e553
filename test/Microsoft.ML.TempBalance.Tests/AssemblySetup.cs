using Microsoft.ML.TempBalance.Runtime;

// Almost every test touches torch, whose native thread pool is process-wide: run tests one at a time.
[assembly: DoNotParallelize]

namespace Microsoft.ML.TempBalance.Tests;

[TestClass]
public static class AssemblySetup
{
    public const int TorchThreads = 2;

    [AssemblyInitialize]
    public static void Initialize(TestContext context)
    {
        _ = context;
        TorchRuntime.SetThreadCount(TorchThreads);
    }
}
