using Microsoft.ML.TempBalance.Optimizers;
using TorchSharp;
using TorchSharp.Modules;

namespace Microsoft.ML.TempBalance.Tests.Optimizers;

/// <summary>SAM around plain SGD on L(w) = Σ w², whose gradient 2w makes each step computable by hand.</summary>
[TestClass]
public sealed class SamTests
{
    private static (double[] Weights, int Closures) SamStep(double[] w0, double rho, bool adaptive, double lr)
    {
        var p = new Parameter(torch.tensor(w0.Select(v => (float)v).ToArray()));
        var settings = new OptimizerSettings { Kind = OptimizerKind.Sgd, Momentum = 0, Sam = new SamOptions { Rho = rho, Adaptive = adaptive } };
        using GroupedOptimizer optimizer = OptimizerFactory.Create(new[] { new OptimizerGroup("w", new[] { p }, lr, 0) }, settings);
        Assert.IsTrue(optimizer.NeedsClosure);
        int closures = 0;
        torch.Tensor Closure()
        {
            closures++;
            optimizer.ZeroGrad();
            torch.Tensor loss = p.square().sum();
            loss.backward();
            return loss;
        }

        using (torch.Tensor first = Closure())
        {
        }

        optimizer.Step(Closure);
        return (p.data<float>().ToArray().Select(v => (double)v).ToArray(), closures);
    }

    [TestMethod]
    public void PlainSamStepsWithTheGradientAtThePerturbedPoint()
    {
        double[] w = { 1.0, 2.0 };
        double rho = 0.05, lr = 0.1;
        double norm = Math.Sqrt(4 * 1 + 4 * 4); // |2w|
        double[] expected = w.Select(x => x - lr * 2 * (x + rho * 2 * x / norm)).ToArray();
        (double[] actual, int closures) = SamStep(w, rho, adaptive: false, lr);
        Assert.AreEqual(2, closures, "one pass by the caller, one by SAM");
        for (int i = 0; i < w.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-6);
        }
    }

    [TestMethod]
    public void AdaptiveSamScalesTheAscentByTheWeights()
    {
        double[] w = { 1.0, -2.0, 0.5 };
        double rho = 0.5, lr = 0.05;
        // e = ρ·w²·g / ‖|w|·g‖ with g = 2w.
        double norm = Math.Sqrt(w.Sum(x => Math.Pow(Math.Abs(x) * 2 * x, 2)));
        double[] expected = w.Select(x => x - lr * 2 * (x + rho * x * x * 2 * x / norm)).ToArray();
        (double[] actual, _) = SamStep(w, rho, adaptive: true, lr);
        for (int i = 0; i < w.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-6);
        }
    }

    [TestMethod]
    public void SamWithoutClosureIsAClearError()
    {
        var p = new Parameter(torch.ones(2));
        using GroupedOptimizer optimizer = OptimizerFactory.Create(new[] { new OptimizerGroup("w", new[] { p }, 0.1, 0) }, new OptimizerSettings { Sam = new SamOptions() });
        var e = Assert.ThrowsExactly<ArgumentNullException>(() => optimizer.Step());
        StringAssert.Contains(e.Message, "closure");
    }
}
