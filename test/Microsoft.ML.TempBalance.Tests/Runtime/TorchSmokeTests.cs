using Microsoft.ML.TempBalance.Runtime;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Runtime;

/// <summary>Proves the native library loads on this machine and real ops give the right numbers.</summary>
[TestClass]
public sealed class TorchSmokeTests
{
    [TestMethod]
    public void MatmulGivesTheHandComputedProduct()
    {
        using var a = torch.tensor(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        using var b = torch.tensor(new double[] { 7, 8, 9, 10, 11, 12 }, 3, 2);
        using var c = a.matmul(b);
        // [1 2 3; 4 5 6] x [7 8; 9 10; 11 12] = [58 64; 139 154]
        CollectionAssert.AreEqual(new double[] { 58, 64, 139, 154 }, c.data<double>().ToArray());
    }

    [TestMethod]
    public void EigvalshOfATridiagonalMatrixMatchesTheClosedForm()
    {
        // Eigenvalues of tridiag(-1, 2, -1) of size n are 2 - 2 cos(k pi / (n + 1)), k = 1..n.
        const int n = 6;
        var values = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            values[i * n + i] = 2;
            if (i > 0) values[i * n + i - 1] = -1;
            if (i < n - 1) values[i * n + i + 1] = -1;
        }

        using var m = torch.tensor(values, n, n);
        using var eig = torch.linalg.eigvalsh(m);
        double[] actual = eig.data<double>().ToArray();
        for (int k = 1; k <= n; k++)
        {
            Assert.AreEqual(2 - 2 * Math.Cos(k * Math.PI / (n + 1)), actual[k - 1], 1e-12);
        }
    }

    [TestMethod]
    public void OneSgdStepMovesTheWeightAgainstTheGradient()
    {
        // loss = sum(w * x) so dloss/dw = x; SGD: w' = w - lr * x.
        using var w = torch.tensor(new float[] { 1f, -2f, 3f }).requires_grad_(true);
        using var x = torch.tensor(new float[] { 0.5f, 1f, -1f });
        var optimizer = torch.optim.SGD(new[] { new TorchSharp.Modules.Parameter(w) }, 0.1);
        var parameter = optimizer.parameters().Single();
        using (var loss = (parameter * x).sum())
        {
            loss.backward();
        }

        optimizer.step();
        float[] updated = parameter.detach().data<float>().ToArray();
        Assert.AreEqual(1f - 0.1f * 0.5f, updated[0], 1e-7f);
        Assert.AreEqual(-2f - 0.1f * 1f, updated[1], 1e-7f);
        Assert.AreEqual(3f + 0.1f * 1f, updated[2], 1e-7f);
    }

    [TestMethod]
    public void ThreadCountIsAppliedAndValidated()
    {
        TorchRuntime.SetThreadCount(AssemblySetup.TorchThreads);
        Assert.AreEqual(AssemblySetup.TorchThreads, torch.get_num_threads());
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => TorchRuntime.SetThreadCount(0));
        Assert.AreEqual("threads", error.ParamName);
    }

    [TestMethod]
    public void CudaFallsBackToCpuWithAWarningWhenUnavailable()
    {
        if (torch.cuda.is_available())
        {
            Assert.Inconclusive("A CUDA device is present; the fallback path cannot be exercised here.");
        }

        var warnings = new List<string>();
        torch.Device device = TorchRuntime.ResolveDevice("cuda", warnings.Add);
        Assert.AreEqual(DeviceType.CPU, device.type);
        Assert.HasCount(1, warnings);
        StringAssert.Contains(warnings[0], "falling back to the CPU");
        Assert.AreEqual(DeviceType.CPU, TorchRuntime.ResolveDevice("CPU").type);
        var error = Assert.ThrowsExactly<ArgumentException>(() => TorchRuntime.ResolveDevice("tpu"));
        StringAssert.Contains(error.Message, "'tpu'");
    }
}
