using System.IO.Compression;
using System.Xml.Linq;

namespace Microsoft.ML.TempBalance.Tests.Packaging;

/// <summary>
/// <c>dotnet pack</c> of every library project (from the solution's build, as a release script would) gives one
/// package with its own README and exactly the dependencies of its layer.
/// </summary>
[TestClass]
public sealed class PackTests
{
    /// <summary>Each library and the package ids its package must depend on, no more and no fewer.</summary>
    private static readonly Dictionary<string, string[]> Dependencies = new()
    {
        ["Microsoft.ML.TempBalance"] = ["Microsoft.ML", "TorchSharp-cpu"],
        ["Microsoft.ML.TempBalance.Text"] = ["Microsoft.ML.TempBalance", "Microsoft.ML.Tokenizers"],
        ["Microsoft.ML.TempBalance.SciML"] = ["Microsoft.ML.TempBalance", "PureHDF"],
        ["Microsoft.ML.TempBalance.Plots"] = ["Microsoft.ML.TempBalance", "ScottPlot"],
        ["Microsoft.ML.TempBalance.Experiments"] = ["Microsoft.ML.TempBalance.Plots", "Microsoft.ML.TempBalance.SciML", "Microsoft.ML.TempBalance.Text"],
        ["Microsoft.ML.TempBalance.TorchSharpInterop"] = ["Microsoft.ML.TempBalance.Text", "Microsoft.ML.TorchSharp"],
    };

    [TestMethod]
    public void EveryLibraryPacksWithItsReadmeAndTheDependenciesOfItsLayer()
    {
        // The libraries here are the layering test's, so a new library cannot skip packing.
        CollectionAssert.AreEquivalent(LayeringTests.Layers.Keys.ToArray(), Dependencies.Keys.ToArray());
        using var folder = new TempFolder();
        foreach ((string id, string[] expected) in Dependencies)
        {
            string project = Path.Combine(RepositoryPaths.Root, "src", id, id + ".csproj");
            (int code, string output) = ChildProcess.Run("dotnet", ["pack", project, "-c", RepositoryPaths.Configuration, "--no-build", "--no-restore", "-o", folder.Path]);
            Assert.AreEqual(0, code, output);
            string package = Directory.GetFiles(folder.Path, id + ".*.nupkg").Single(p => System.Text.RegularExpressions.Regex.IsMatch(Path.GetFileName(p), $@"^{System.Text.RegularExpressions.Regex.Escape(id)}\.\d"));
            using ZipArchive zip = ZipFile.OpenRead(package);
            string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
            CollectionAssert.Contains(entries, "README.md", id);
            CollectionAssert.Contains(entries, $"lib/net10.0/{id}.dll", id);
            CollectionAssert.Contains(entries, $"lib/net10.0/{id}.xml", id);
            if (id == "Microsoft.ML.TempBalance")
            {
                // The Debian 12 fix of TorchSharp's native library travels with the core to every application.
                CollectionAssert.Contains(entries, "buildTransitive/Microsoft.ML.TempBalance.targets");
                CollectionAssert.Contains(entries, "buildTransitive/tasks/ElfVersionRequirementPatcher.cs");
            }

            string readme = new StreamReader(zip.GetEntry("README.md")!.Open()).ReadToEnd();
            StringAssert.StartsWith(readme, $"# {id}", $"{id}'s README must be its own");

            XDocument nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            XNamespace ns = nuspec.Root!.Name.Namespace;
            Assert.AreEqual("README.md", nuspec.Descendants(ns + "readme").Single().Value, id);
            string[] actual = nuspec.Descendants(ns + "dependency").Select(d => d.Attribute("id")!.Value).Distinct().Order(StringComparer.Ordinal).ToArray();
            CollectionAssert.AreEqual(expected.Order(StringComparer.Ordinal).ToArray(), actual, $"{id} depends on {string.Join(", ", actual)}");
            // The packages share internals: each pins the others to its own version exactly.
            foreach (XElement dependency in nuspec.Descendants(ns + "dependency").Where(d => d.Attribute("id")!.Value.StartsWith("Microsoft.ML.TempBalance", StringComparison.Ordinal)))
            {
                string version = dependency.Attribute("version")!.Value;
                Assert.IsTrue(version.StartsWith('[') && version.EndsWith(']') && !version.Contains(','), $"{id} depends on {dependency.Attribute("id")!.Value} {version}, not one exact version");
            }
        }
    }
}
