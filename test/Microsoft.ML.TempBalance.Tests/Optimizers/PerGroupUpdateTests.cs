using Microsoft.ML.TempBalance.Optimizers;
using TorchSharp;
using TorchSharp.Modules;

namespace Microsoft.ML.TempBalance.Tests.Optimizers;

/// <summary>
/// TempBalance's whole effect is a learning rate (and the weight decay that goes with it) per parameter group, so these
/// tests observe it in the update TorchSharp's own AdamW, Adam and SGD make: two groups with different rates and decays,
/// a gradient set by hand, and each group's parameter change compared with PyTorch's closed-form step for that group's
/// values (float64, so the comparison is tight).
/// </summary>
[TestClass]
public sealed class PerGroupUpdateTests
{
    private static readonly double[] Start = { 1.0, -0.5, 2.0 };
    private static readonly double[] Gradient = { 0.5, -2.0, 1.5 };
    private const double Epsilon = 1e-8;

    // (learning rate, weight decay) of the two groups, as the balancer would set them; the first rate is changed after
    // construction, as the scheduler does before a step.
    private static readonly (double Rate, double Decay)[] Settings = { (0.02, 0.1), (0.003, 0.0) };

    private static double[][] Steps(OptimizerKind kind, int steps)
    {
        var parameters = Settings.Select(_ => new Parameter(torch.tensor(Start))).ToArray();
        var groups = parameters.Select((p, i) => new OptimizerGroup($"g{i}", new[] { p }, learningRate: 1.0, Settings[i].Decay)).ToList();
        using GroupedOptimizer optimizer = OptimizerFactory.Create(groups, new OptimizerSettings { Kind = kind, Epsilon = Epsilon, Momentum = 0.9 });
        for (int i = 0; i < groups.Count; i++)
        {
            groups[i].LearningRate = Settings[i].Rate;
        }

        using torch.Tensor gradient = torch.tensor(Gradient);
        for (int s = 0; s < steps; s++)
        {
            optimizer.ZeroGrad();
            foreach (Parameter p in parameters)
            {
                using torch.Tensor loss = p.mul(gradient).sum();
                loss.backward();
            }

            optimizer.Step();
        }

        return parameters.Select(p => p.data<double>().ToArray()).ToArray();
    }

    private static void AssertGroups(double[][] actual, Func<int, int, double> expected)
    {
        for (int g = 0; g < actual.Length; g++)
        {
            for (int j = 0; j < Start.Length; j++)
            {
                Assert.AreEqual(expected(g, j), actual[g][j], 1e-12, $"group {g}, element {j}");
            }
        }

        Assert.AreNotEqual(actual[0][0] - Start[0], actual[1][0] - Start[0], "the two groups moved by different amounts");
    }

    [TestMethod]
    public void AdamWDecouplesDecayAndScalesTheStepByEachGroupsRate()
    {
        // First AdamW step: p(1 - lr·wd) - lr·g/(|g| + ε) (bias corrections make m̂ = g and √v̂ = |g|).
        AssertGroups(Steps(OptimizerKind.AdamW, 1), (g, j) =>
        {
            (double lr, double wd) = Settings[g];
            return Start[j] * (1 - lr * wd) - lr * Gradient[j] / (Math.Abs(Gradient[j]) + Epsilon);
        });
    }

    [TestMethod]
    public void AdamCouplesDecayIntoTheGradientOfEachGroup()
    {
        // First Adam step with L2 in the gradient: g' = g + wd·p, then p - lr·g'/(|g'| + ε).
        AssertGroups(Steps(OptimizerKind.Adam, 1), (g, j) =>
        {
            (double lr, double wd) = Settings[g];
            double coupled = Gradient[j] + wd * Start[j];
            return Start[j] - lr * coupled / (Math.Abs(coupled) + Epsilon);
        });
    }

    [TestMethod]
    public void SgdWithMomentumUsesEachGroupsRateAndDecay()
    {
        // Two steps of SGD, momentum 0.9: b1 = g + wd·p0, p1 = p0 - lr·b1; b2 = 0.9·b1 + g + wd·p1, p2 = p1 - lr·b2.
        AssertGroups(Steps(OptimizerKind.Sgd, 2), (g, j) =>
        {
            (double lr, double wd) = Settings[g];
            double b1 = Gradient[j] + wd * Start[j];
            double p1 = Start[j] - lr * b1;
            double b2 = 0.9 * b1 + Gradient[j] + wd * p1;
            return p1 - lr * b2;
        });
    }
}
