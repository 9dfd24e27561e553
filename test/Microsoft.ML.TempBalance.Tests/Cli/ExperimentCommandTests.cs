using Microsoft.ML.TempBalance.Cli;
using Microsoft.ML.TempBalance.Tests.Experiments;

namespace Microsoft.ML.TempBalance.Tests.Cli;

[TestClass]
public sealed class ExperimentCommandTests
{
    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        return (CliApp.Run(args, output, error), output.ToString(), error.ToString());
    }

    [TestMethod]
    public void ShardsRunSeparatelyMergeAndReport()
    {
        using var folder = new TempFolder();
        string spec = Path.Combine(folder.Path, "tiny.json");
        File.WriteAllText(spec, ExperimentTests.TinySpec.Replace("\"seeds\": [1, 2, 3]", "\"seeds\": [1, 2]", StringComparison.Ordinal));
        string a = Path.Combine(folder.Path, "shard0"), b = Path.Combine(folder.Path, "shard1"), merged = Path.Combine(folder.Path, "all");
        var first = Run("experiment", "run", spec, "--out", a, "--shard", "0/2", "--threads", "2");
        Assert.AreEqual(0, first.Code, first.Error);
        StringAssert.Contains(first.Output, "Shard 0/2: 4 trial(s) run");
        StringAssert.Contains(first.Output, "4/4 done");
        StringAssert.Contains(first.Output, "epoch 2/2 [########################] loss ");
        Assert.MatchesRegex(@"0/4 done, starting r\S+, time left: after the first trial", first.Output);
        Assert.MatchesRegex(@"3/4 done, starting r\S+, about \d+ s left", first.Output, "the time left is known once a trial has run");
        Assert.AreEqual(0, Run("experiment", "run", spec, "--out", b, "--shard", "1/2", "--threads", "2").Code);
        var again = Run("experiment", "run", spec, "--out", a, "--shard", "0/2");
        StringAssert.Contains(again.Output, "0 trial(s) run, 4 already finished");

        var merge = Run("experiment", "merge", a, b, "--out", merged);
        Assert.AreEqual(0, merge.Code, merge.Error);
        StringAssert.Contains(merge.Output, "Merged 8 trial result(s)");
        var report = Run("experiment", "report", merged, "--out", Path.Combine(folder.Path, "report"));
        Assert.AreEqual(0, report.Code, report.Error);
        StringAssert.Contains(File.ReadAllText(Path.Combine(folder.Path, "report", "report.md")), "8 trials expected, 8 found, 0 missing");

        Assert.AreEqual(1, Run("experiment", "run", spec, "--out", a, "--shard", "2/2").Code);
        foreach (string shard in new[] { "abc", "1/", "/2", "-1/2", "1/0", "1/2/3" })
        {
            var malformed = Run("experiment", "run", spec, "--out", a, "--shard", shard);
            Assert.AreNotEqual(0, malformed.Code, shard);
            StringAssert.Contains(malformed.Error, "--shard", shard);
            Assert.DoesNotContain("   at ", malformed.Error, "no stack trace");
        }

        Assert.AreEqual(1, Run("experiment", "run", Path.Combine(folder.Path, "nope.json"), "--out", a).Code);
    }
}
