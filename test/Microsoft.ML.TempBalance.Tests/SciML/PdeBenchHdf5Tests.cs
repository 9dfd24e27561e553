using Microsoft.ML.TempBalance.SciML;
using Microsoft.ML.TempBalance.SciML.Data;
using Microsoft.ML.TempBalance.SciML.Generators;
using PureHDF;

namespace Microsoft.ML.TempBalance.Tests.SciML;

[TestClass]
public sealed class PdeBenchHdf5Tests
{
    [TestMethod]
    public void GeneratedBurgersRoundTripsThroughThePdeBenchLayout()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "1D_Burgers_Sols_Nu0.01.hdf5");
        PdeDataset data = PdeGenerators.Burgers(samples: 6, resolution: 32, nu: 0.01, frames: 9, endTime: 0.08, seed: 5);
        PdeBenchHdf5.Write(data, path);

        using (var file = H5File.OpenRead(path))
        {
            CollectionAssert.AreEqual(new ulong[] { 6, 9, 32 }, file.Dataset("tensor").Space.Dimensions, "PDEBench's [N, T, X]");
            Assert.AreEqual(10, file.Dataset("t-coordinate").Read<float[]>().Length, "t-coordinate has T + 1 entries");
            Assert.AreEqual(0.01, file.Attribute("Nu").Read<double>(), 1e-15);
        }

        PdeDataset read = PdeBenchHdf5.Read(path);
        Assert.AreEqual("burgers", read.Equation);
        CollectionAssert.AreEqual(data.Data, read.Data);
        CollectionAssert.AreEqual(data.SpatialCoordinates[0], read.SpatialCoordinates[0]);
        CollectionAssert.AreEqual(data.TimeCoordinate, read.TimeCoordinate);
    }

    [TestMethod]
    public void StridedReadEqualsTheFullReadSubsampled()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "adv.hdf5");
        PdeDataset data = PdeGenerators.Advection(samples: 7, resolution: 24, beta: 0.4, frames: 11, endTime: 1.0, seed: 1);
        PdeBenchHdf5.Write(data, path);
        PdeDataset full = PdeBenchHdf5.Read(path);
        var options = new PdeBenchReadOptions { ReducedBatch = 3, ReducedResolutionT = 2, ReducedResolution = 4 };
        PdeDataset strided = PdeBenchHdf5.Read(path, options);
        Assert.AreEqual(3, strided.Samples, "samples 0, 3, 6");
        Assert.AreEqual(6, strided.Times, "frames 0, 2, ..., 10");
        Assert.AreEqual(6, strided.SpatialShape[0], "points 0, 4, ..., 20");
        for (int s = 0; s < 3; s++)
        {
            for (int t = 0; t < 6; t++)
            {
                for (int x = 0; x < 6; x++)
                {
                    float expected = full.Data[(3 * s * 11 + 2 * t) * 24 + 4 * x];
                    Assert.AreEqual(expected, strided.Data[(s * 6 + t) * 6 + x]);
                }
            }
        }

        CollectionAssert.AreEqual(full.SpatialCoordinates[0].Where((_, i) => i % 4 == 0).ToArray(), strided.SpatialCoordinates[0]);
        Assert.AreEqual(2, PdeBenchHdf5.Read(path, options with { MaxSamples = 2 }).Samples);
    }

    [TestMethod]
    public void DarcyUsesNuAndTensor()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "2D_DarcyFlow_beta100.0_Train.hdf5");
        PdeDataset data = PdeGenerators.Darcy(samples: 3, resolution: 8, seed: 1);
        PdeBenchHdf5.Write(data, path);
        using (var file = H5File.OpenRead(path))
        {
            CollectionAssert.AreEqual(new ulong[] { 3, 8, 8 }, file.Dataset("nu").Space.Dimensions);
            CollectionAssert.AreEqual(new ulong[] { 3, 1, 8, 8 }, file.Dataset("tensor").Space.Dimensions);
        }

        PdeDataset read = PdeBenchHdf5.Read(path);
        Assert.AreEqual("darcy", read.Equation);
        CollectionAssert.AreEqual(data.Data, read.Data);
    }

    [TestMethod]
    public void Generated2dCfdRoundTripsWithPdeBenchDatasetNames()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "2D_CFD_Rand_M0.1_Eta0.01_Zeta0.01_periodic_Train.hdf5");
        PdeDataset data = PdeGenerators.CompressibleFlow2D(samples: 2, resolution: 8, frames: 3, endTime: 0.01, seed: 4);
        PdeBenchHdf5.Write(data, path);
        using (var file = H5File.OpenRead(path))
        {
            foreach (string name in new[] { "density", "pressure", "Vx", "Vy" })
            {
                CollectionAssert.AreEqual(new ulong[] { 2, 3, 8, 8 }, file.Dataset(name).Space.Dimensions, name);
            }

            Assert.AreEqual(0.1, file.Attribute("M").Read<double>(), 1e-15);
        }

        PdeDataset read = PdeBenchHdf5.Read(path);
        Assert.AreEqual("cfd2d", read.Equation);
        CollectionAssert.AreEqual(data.Channels.ToArray(), read.Channels.ToArray());
        CollectionAssert.AreEqual(data.Data, read.Data);
    }

    [TestMethod]
    public void BadFilesAreNamed()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "other.hdf5");
        new H5File { ["something"] = new float[] { 1, 2 } }.Write(path);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => PdeBenchHdf5.Read(path));
        StringAssert.Contains(e.Message, "not a PDEBench file");
        StringAssert.Contains(e.Message, "other.hdf5");

        PdeDataset data = PdeGenerators.Advection(samples: 2, resolution: 8, frames: 3, endTime: 0.1, seed: 1);
        data.Data[20] = float.NaN;
        string nan = Path.Combine(folder.Path, "nan.hdf5");
        PdeBenchHdf5.Write(data, nan);
        var n = Assert.ThrowsExactly<InvalidDataException>(() => PdeBenchHdf5.Read(nan));
        StringAssert.Contains(n.Message, "dataset 'tensor' holds NaN in (strided) sample 0");
    }
}
