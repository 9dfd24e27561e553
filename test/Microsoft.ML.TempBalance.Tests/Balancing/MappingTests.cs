using Microsoft.ML.TempBalance.Balancing;

namespace Microsoft.ML.TempBalance.Tests.Balancing;

/// <summary>The spec's section 3 vectors (η = 1 or 0.1 as stated there; factors are rates over η).</summary>
[TestClass]
public sealed class MappingTests
{
    private static void AssertFactors(double[] expected, double[] actual, double tolerance)
    {
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], tolerance, $"factor {i}");
        }
    }

    [TestMethod]
    public void SigmoidReproducesSpecVectors()
    {
        var sigmoid = new SigmoidMapping(lowScale: 2, highScale: 1, temperature: 10);
        AssertFactors(new[] { 0.1000209, 1, 3.1619471 }, sigmoid.Factors(new[] { 3.0, 4, 5 }), 5e-8);
        AssertFactors(new[] { 0.3450506, 1, 1.7023881 }, sigmoid.Factors(new[] { 3.9, 4.0, 4.1 }), 5e-8);
    }

    [TestMethod]
    public void SigmoidStaysInsideItsRangeAndIsMonotone()
    {
        var sigmoid = new SigmoidMapping(1.25, 0.5, 10);
        double[] scores = { -50, 1, 2, 2.5, 3, 60 };
        double[] factors = sigmoid.Factors(scores);
        for (int i = 0; i < factors.Length; i++)
        {
            Assert.IsTrue(factors[i] >= Math.Pow(10, -1.25 / 2) && factors[i] <= Math.Pow(10, 0.5 / 2), $"factor {factors[i]} out of range");
            if (i > 0)
            {
                Assert.IsTrue(factors[i] >= factors[i - 1], "a higher score must not get a lower factor");
            }
        }
    }

    [TestMethod]
    public void LinearMapInterpolatesBetweenBounds()
    {
        // η = 0.1: [2, 3, 4] → interp onto [0.05, 0.15].
        AssertFactors(new[] { 0.5, 1.0, 1.5 }, new LinearMapping(0.5, 1.5).Factors(new[] { 2.0, 3, 4 }), 1e-15);
        AssertFactors(new[] { 1.0, 1.25, 2.0 }, new LinearMapping(1.0, 2.0).Factors(new[] { 3.0, 3.5, 5 }), 1e-15);
    }

    [TestMethod]
    public void LinearMapWithEqualScoresGivesOneNotTheUpperBound()
    {
        // Documented deviation from numpy.interp (which would give 1.5 everywhere).
        AssertFactors(new[] { 1.0, 1.0, 1.0 }, new LinearMapping(0.5, 1.5).Factors(new[] { 3.0, 3, 3 }), 0);
    }

    [TestMethod]
    public void RankMapReproducesSpecVector()
    {
        // Spec 3.2: scores [4,3,5], η = 0.1, [0.5, 1.5] → [0.08333, 0.05, 0.11667].
        double[] factors = new RankMapping(0.5, 1.5).Factors(new[] { 4.0, 3, 5 });
        AssertFactors(new[] { 0.083333, 0.05, 0.116667 }, factors.Select(f => 0.1 * f).ToArray(), 5e-7);
    }

    [TestMethod]
    public void RankMapBreaksTiesByPosition()
    {
        AssertFactors(new[] { 0.5, 0.5 + 1.0 / 3, 0.5 + 2.0 / 3 }, new RankMapping(0.5, 1.5).Factors(new[] { 2.0, 2, 2 }), 1e-15);
    }

    [TestMethod]
    public void SqrtAndLog2ReproduceSpecVectors()
    {
        double[] scores = { 2, 3, 4 };
        AssertFactors(new[] { 0.082441, 0.100969, 0.116589 }, new SqrtMapping().Factors(scores).Select(f => 0.1 * f).ToArray(), 5e-7);
        AssertFactors(new[] { 0.065431, 0.103706, 0.130863 }, new Log2Mapping().Factors(scores).Select(f => 0.1 * f).ToArray(), 5e-7);
    }

    [TestMethod]
    public void Log2OfScoresAtOneIsNotFinite()
    {
        // The reference gives NaN here; the scheduler turns this into "keep the base rate" (tested there).
        Assert.IsTrue(new Log2Mapping().Factors(new[] { 1.0, 1.0 }).All(double.IsNaN));
        Assert.IsTrue(new Log2Mapping().Factors(new[] { 0.5, 4.0 })[0] < 0);
    }

    [TestMethod]
    public void ExpMapUsesSignedPowerForNegativeDifferences()
    {
        // mean 4: d = [-2.25, 0, 2.25]; p = 0.5 → 10^[-1.5, 0, 1.5].
        AssertFactors(new[] { Math.Pow(10, -1.5), 1, Math.Pow(10, 1.5) }, new ExpMapping(0.5).Factors(new[] { 1.75, 4.0, 6.25 }), 1e-12);
        double[] factors = new ExpMapping(0.5).Factors(new[] { 2.0, 4.0, 6.0 });
        AssertFactors(new[] { Math.Pow(10, -Math.Sqrt(2)), 1, Math.Pow(10, Math.Sqrt(2)) }, factors, 1e-12);
        AssertFactors(new[] { 0.1, 10 }, new ExpMapping().Factors(new[] { 1.0, 3.0 }), 1e-12);
    }

    [TestMethod]
    public void MappingsRejectNonFiniteScoresAndBadParameters()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new SigmoidMapping().Factors(new[] { 1.0, double.NaN }));
        Assert.ThrowsExactly<ArgumentException>(() => new LinearMapping().Factors(Array.Empty<double>()));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LinearMapping(1.5, 0.5));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SigmoidMapping(temperature: 0));
    }
}
