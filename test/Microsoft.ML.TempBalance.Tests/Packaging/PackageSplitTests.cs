using System.Text.Json;
using Microsoft.ML.TempBalance.Tests.Compatibility;
using Microsoft.ML.TempBalance.Tests.Reliability;
using Microsoft.ML.TempBalance.Tests.SciML;
using Microsoft.ML.TempBalance.Tests.Text;

namespace Microsoft.ML.TempBalance.Tests.Packaging;

/// <summary>
/// Applications that reference one area package only (test/PackageApps): each fine-tunes or loads models of its
/// kind in a process of its own, including the models saved before the split, and ships none of the other areas'
/// dependencies.
/// </summary>
[TestClass]
public sealed class PackageSplitTests
{
    private const string TextApp = "test/PackageApps/TextOnlyApp";
    private const string SciMLApp = "test/PackageApps/SciMLOnlyApp";

    [TestMethod]
    public void AnAppWithOnlyTheTextPackageFineTunesAndPredicts()
    {
        using var folder = new TempFolder();
        string checkpoint = TinyBertFiles.Write(folder.File("bert"), new TinyBertVariant { Labels = 0 });
        string train = WriteReviews(folder.File("train.tsv"), TrainersLearnTests.Reviews(64, 1));
        string test = WriteReviews(folder.File("test.tsv"), TrainersLearnTests.Reviews(40, 2));

        string output = Run(TextApp, "TextOnlyApp.dll", "fit", checkpoint, train, test, folder.File("model.zip"), AssemblySetup.TorchThreads.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // Half the test rows are of each class: the majority class scores 0.5 (the in-process trainer test reaches 0.85 too).
        double accuracy = double.Parse(Line(output, "test accuracy "), System.Globalization.CultureInfo.InvariantCulture);
        Assert.IsGreaterThanOrEqualTo(0.85, accuracy, output);
        Assert.AreEqual("True", Line(output, "reloaded scores identical: "), output);
        Assert.IsTrue(File.Exists(folder.File("model.zip")));
    }

    [TestMethod]
    public void AnAppWithOnlyTheTextPackageLoadsATextModelSavedBeforeTheSplit()
    {
        using var folder = new TempFolder();
        File.WriteAllLines(folder.File("sentences.txt"), SavedModelCompatibilityTests.Sentences);
        Run(TextApp, "TextOnlyApp.dll", "score", SavedModelCompatibilityTests.Stored(SavedModelCompatibilityTests.TextModel + ".zip"), folder.File("sentences.txt"), folder.File("scores.json"));
        SavedModelCompatibilityTests.AssertSameScores(SavedModelCompatibilityTests.Expected(SavedModelCompatibilityTests.TextModel), ReadScores(folder.File("scores.json")));
    }

    [TestMethod]
    public void AnAppWithOnlyTheSciMLPackageLoadsAPdeModelSavedBeforeTheSplit()
    {
        using var folder = new TempFolder();
        // The inputs the fixture's scores were recorded on, also committed for build/check-packages.sh (which runs
        // outside the test project): they must be the generated ones.
        float[][] features = DarcyRow.Generate(3, seed: 9).Select(r => r.Features).ToArray();
        string committed = SavedModelCompatibilityTests.Stored(SavedModelCompatibilityTests.PdeModel + ".features.json");
        if (Environment.GetEnvironmentVariable("TEMPBALANCE_WRITE_SAVED_MODELS") is { } target)
        {
            File.WriteAllText(Path.Combine(target, Path.GetFileName(committed)), JsonSerializer.Serialize(features));
        }

        float[][] stored = ReadScores(committed);
        Assert.HasCount(features.Length, stored);
        for (int i = 0; i < features.Length; i++)
        {
            CollectionAssert.AreEqual(features[i], stored[i], $"sample {i}");
        }

        Run(SciMLApp, "SciMLOnlyApp.dll", "score", SavedModelCompatibilityTests.Stored(SavedModelCompatibilityTests.PdeModel + ".zip"), committed, folder.File("scores.json"));
        SavedModelCompatibilityTests.AssertSameScores(SavedModelCompatibilityTests.Expected(SavedModelCompatibilityTests.PdeModel), ReadScores(folder.File("scores.json")));
    }

    [TestMethod]
    public void AnAppWithOnlyTheTextPackageCannotLoadAPdeModelAndSaysWhichPackageItNeeds()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("sentences.txt"), "x");
        (int code, string output) = Start(TextApp, "TextOnlyApp.dll", "score", SavedModelCompatibilityTests.Stored(SavedModelCompatibilityTests.PdeModel + ".zip"), folder.File("sentences.txt"), folder.File("scores.json"));
        Assert.AreNotEqual(0, code, output);
        StringAssert.Contains(output, "add a reference to the package Microsoft.ML.TempBalance.SciML");
    }

    [TestMethod]
    public void EachAppShipsOnlyItsAreasDependencies()
    {
        string[] text = Files(TextApp);
        string[] sciml = Files(SciMLApp);
        // Sanity: the folders are the apps' real outputs, with the package each one needs.
        CollectionAssert.Contains(text, "Microsoft.ML.TempBalance.Text.dll");
        CollectionAssert.Contains(text, "Microsoft.ML.Tokenizers.dll");
        CollectionAssert.Contains(sciml, "Microsoft.ML.TempBalance.SciML.dll");
        CollectionAssert.Contains(sciml, "PureHDF.dll");

        string[] notForText = text.Where(f => f.StartsWith("PureHDF", StringComparison.OrdinalIgnoreCase) || f.Contains("SkiaSharp", StringComparison.OrdinalIgnoreCase)
            || f.StartsWith("ScottPlot", StringComparison.OrdinalIgnoreCase) || f.StartsWith("Microsoft.ML.TempBalance.SciML", StringComparison.Ordinal)
            || f.StartsWith("Microsoft.ML.TempBalance.Plots", StringComparison.Ordinal)).ToArray();
        Assert.IsEmpty(notForText, string.Join(", ", notForText));
        string[] notForSciML = sciml.Where(f => f.StartsWith("Microsoft.ML.Tokenizers", StringComparison.OrdinalIgnoreCase) || f.Contains("SkiaSharp", StringComparison.OrdinalIgnoreCase)
            || f.StartsWith("ScottPlot", StringComparison.OrdinalIgnoreCase) || f.StartsWith("Microsoft.ML.TempBalance.Text", StringComparison.Ordinal)
            || f.StartsWith("Microsoft.ML.TempBalance.Plots", StringComparison.Ordinal)).ToArray();
        Assert.IsEmpty(notForSciML, string.Join(", ", notForSciML));
    }

    [TestMethod]
    public void OnlyTorchSharpBringsSkiaSharpAndNoAreaPackageBringsAnotherAreasDependencies()
    {
        // The apps exclude SkiaSharp (see their project files); without that, it would come from TorchSharp alone.
        foreach ((string app, string[] absent) in new[]
        {
            (TextApp, new[] { "PureHDF", "ScottPlot", "Microsoft.ML.TempBalance.SciML", "Microsoft.ML.TempBalance.Plots" }),
            (SciMLApp, new[] { "Microsoft.ML.Tokenizers", "ScottPlot", "Microsoft.ML.TempBalance.Text", "Microsoft.ML.TempBalance.Plots" }),
        })
        {
            using JsonDocument assets = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, app, "obj", "project.assets.json")));
            JsonElement libraries = assets.RootElement.GetProperty("targets").GetProperty("net10.0");
            var names = libraries.EnumerateObject().Select(l => l.Name.Split('/')[0]).ToList();
            foreach (string name in absent)
            {
                CollectionAssert.DoesNotContain(names, name, $"{app} gets {name}");
            }

            string[] skiaParents = libraries.EnumerateObject()
                .Where(l => l.Value.TryGetProperty("dependencies", out JsonElement d) && d.EnumerateObject().Any(x => x.Name == "SkiaSharp"))
                .Select(l => l.Name.Split('/')[0]).ToArray();
            CollectionAssert.AreEqual(new[] { "TorchSharp" }, skiaParents, $"{app}: SkiaSharp comes from {string.Join(", ", skiaParents)}");
        }
    }

    /// <summary>Every file name in the app's output folder, native runtimes included.</summary>
    private static string[] Files(string app)
    {
        string output = RepositoryPaths.OutputOf(app);
        Assert.IsTrue(Directory.Exists(output), $"{output} is missing: build the solution first.");
        return Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories).Select(Path.GetFileName).Cast<string>().ToArray();
    }

    private static string WriteReviews(string path, IEnumerable<TrainersLearnTests.Review> reviews)
    {
        File.WriteAllLines(path, reviews.Select(r => $"{r.Label}\t{r.Sentence1}").Prepend("Label\tSentence1"));
        return path;
    }

    private static float[][] ReadScores(string path) => JsonSerializer.Deserialize<float[][]>(File.ReadAllText(path))!;

    private static string Line(string output, string prefix) =>
        output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..]
        ?? throw new AssertFailedException($"No line starting '{prefix}' in:\n{output}");

    private static string Run(string app, string dll, params string[] args)
    {
        (int code, string output) = Start(app, dll, args);
        Assert.AreEqual(0, code, output);
        return output;
    }

    private static (int Code, string Output) Start(string app, string dll, params string[] args) =>
        ChildProcess.Run("dotnet", [Path.Combine(RepositoryPaths.OutputOf(app), dll), .. args]);
}
