using Microsoft.ML.TempBalance.Cli;
using Microsoft.ML.TempBalance.SciML;
using Microsoft.ML.TempBalance.SciML.Data;

namespace Microsoft.ML.TempBalance.Tests.Cli;

[TestClass]
public sealed class PdeCommandTests
{
    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        return (CliApp.Run(args, output, error), output.ToString(), error.ToString());
    }

    [TestMethod]
    public void GeneratesDarcyThenTrainsFnoWithTempBalance()
    {
        using var folder = new TempFolder();
        string train = Path.Combine(folder.Path, "train.hdf5");
        string test = Path.Combine(folder.Path, "test.hdf5");
        var generated = Run("pde", "generate", "--equation", "darcy", "--samples", "20", "--resolution", "16", "--seed", "1", "--out", train);
        Assert.AreEqual(0, generated.Code, generated.Error);
        StringAssert.Contains(generated.Output, "generated 20/20");
        Assert.AreEqual(0, Run("pde", "generate", "--equation", "darcy", "--samples", "8", "--resolution", "16", "--seed", "2", "--out", test).Code);
        PdeDataset read = PdeBenchHdf5.Read(train);
        Assert.AreEqual(20, read.Samples);

        string output = Path.Combine(folder.Path, "run");
        var trained = Run("pde", "train", "--data", train, "--test", test, "--temp-balance", "--epochs", "3", "--batch-size", "10", "--modes", "4", "--width", "8",
            "--learning-rate", "0.005", "--threads", "2", "--out", output);
        Assert.AreEqual(0, trained.Code, trained.Error);
        StringAssert.Contains(trained.Output, "Epoch 3: loss");
        StringAssert.Contains(trained.Output, "Test nRMSE");
        StringAssert.Contains(trained.Output, "The best epoch is picked on the test file");
        foreach (string file in new[] { "fno.safetensors", "report.json", "layers.csv", "prediction-truth.png", "prediction-prediction.svg", "prediction-error.png" })
        {
            Assert.IsTrue(File.Exists(Path.Combine(output, file)), file);
        }

        var bad = Run("pde", "train", "--data", Path.Combine(folder.Path, "missing.hdf5"), "--test", test, "--out", output);
        Assert.AreEqual(1, bad.Code);
        StringAssert.Contains(bad.Error, "missing.hdf5");

        // A separate validation file picks the epoch (and is read: a missing one is named); the relative L2 objective trains too.
        string validation = Path.Combine(folder.Path, "validation.hdf5");
        Assert.AreEqual(0, Run("pde", "generate", "--equation", "darcy", "--samples", "8", "--resolution", "16", "--seed", "3", "--out", validation).Code);
        string[] common = ["pde", "train", "--data", train, "--test", test, "--epochs", "2", "--batch-size", "10", "--modes", "4", "--width", "8", "--learning-rate", "0.02", "--threads", "2", "--loss", "relative-l2", "--out", output];
        var separate = Run([.. common, "--validation", validation]);
        Assert.AreEqual(0, separate.Code, separate.Error);
        Assert.DoesNotContain("picked on the test file", separate.Output);
        var onTest = Run(common);
        Assert.AreEqual(0, onTest.Code, onTest.Error);

        // Same seed, same training (equal losses), but each epoch is scored on a different file.
        static (string Losses, string Scores) Epochs(string output)
        {
            var matches = System.Text.RegularExpressions.Regex.Matches(output, @"Epoch \d+: loss (\S+), nRMSE (\S+),");
            Assert.HasCount(2, matches, output);
            return (string.Join(" ", matches.Select(m => m.Groups[1].Value)), string.Join(" ", matches.Select(m => m.Groups[2].Value)));
        }

        Assert.AreEqual(Epochs(onTest.Output).Losses, Epochs(separate.Output).Losses);
        Assert.AreNotEqual(Epochs(onTest.Output).Scores, Epochs(separate.Output).Scores);
        var missing = Run([.. common, "--validation", Path.Combine(folder.Path, "nope.hdf5")]);
        Assert.AreEqual(1, missing.Code);
        StringAssert.Contains(missing.Error, "nope.hdf5");
    }
}
