using Microsoft.ML.TempBalance.SciML;

namespace Microsoft.ML.TempBalance.Tests.SciML;

[TestClass]
public sealed class PdeMetricsTests
{
    [TestMethod]
    public void NormalizedRmseIsTheMeanRelativeErrorPerSampleChannelAndFrame()
    {
        // 2 samples, 2 frames (frame 0 is context), 2 points, 1 channel.
        float[] truth = { 1, 1, 3, 4, /* sample 1 */ 1, 1, 0, 2 };
        float[] predicted = { 1, 1, 3, 0, /* sample 1 */ 1, 1, 0, 1 };
        PdeMetrics m = PdeMetrics.Compute(predicted, truth, samples: 2, frames: 2, points: 2, channels: 1, contextFrames: 1);
        // Sample 0: ‖(0, −4)‖/‖(3, 4)‖ = 0.8; sample 1: ‖(0, −1)‖/‖(0, 2)‖ = 0.5.
        Assert.AreEqual((0.8 + 0.5) / 2, m.NormalizedRmse, 1e-12);
        Assert.AreEqual((Math.Sqrt(16 / 2.0) + Math.Sqrt(1 / 2.0)) / 2, m.Rmse, 1e-12);
        Assert.AreEqual(4, m.MaxError, 1e-12);
        Assert.AreEqual(m.NormalizedRmse / 2, PdeMetrics.Compute(predicted, truth, 2, 2, 2, 1, 1, includeContextFrames: true).NormalizedRmse, 1e-12);
    }

    [TestMethod]
    public void ConstantErrorGivesItsSizeInEveryMeasure()
    {
        const float c = 0.25f;
        foreach (int[] spatial in new[] { new[] { 16 }, new[] { 16, 16 } })
        {
            int points = spatial.Aggregate(1, (a, b) => a * b);
            float[] truth = new float[2 * 2 * points];
            float[] predicted = truth.Select(_ => c).ToArray();
            PdeErrorSpectrum e = PdeErrorSpectrum.Compute(predicted, truth, samples: 2, frames: 2, spatial, channels: 1, first: 1);
            Assert.AreEqual(c, e.ConservedRmse, 1e-9, "cRMSE");
            Assert.AreEqual(c, e.BoundaryRmse, 1e-9, "bRMSE");
            Assert.AreEqual(c / 4, e.FourierLow, 1e-9, "all error in wavenumber 0, averaged over the 4 low bins");
            Assert.AreEqual(0, e.FourierMid, 1e-12);
        }
    }

    [TestMethod]
    public void ASineErrorLandsInItsWavenumberBand()
    {
        const int n = 64;
        float[] truth = new float[n];
        float[] predicted = Enumerable.Range(0, n).Select(i => (float)Math.Sin(2 * Math.PI * 5 * i / n)).ToArray();
        PdeErrorSpectrum e = PdeErrorSpectrum.Compute(predicted, truth, samples: 1, frames: 1, new[] { n }, channels: 1, first: 0);
        Assert.AreEqual(0, e.ConservedRmse, 1e-7, "a full period sums to zero");
        Assert.AreEqual(0.5 / 8, e.FourierMid, 1e-6, "|F_5| / n = 1/2, averaged over the 8 mid bins");
        Assert.AreEqual(0, e.FourierLow, 1e-6);
        Assert.AreEqual(0, e.FourierHigh, 1e-6);
    }
}
