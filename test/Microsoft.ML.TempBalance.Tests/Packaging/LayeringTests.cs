using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;

namespace Microsoft.ML.TempBalance.Tests.Packaging;

/// <summary>
/// The packages depend one way: core, then the areas (text, SciML, plots), then what combines them (the experiment
/// harness, the TorchSharp interop), then applications. Checked on the project files (what the build and the
/// packages will reference) and on the compiled assemblies (what the code really uses).
/// </summary>
[TestClass]
public sealed class LayeringTests
{
    /// <summary>Every library project and its layer: a library may reference only libraries of lower layers.</summary>
    internal static readonly IReadOnlyDictionary<string, int> Layers = new Dictionary<string, int>
    {
        ["Microsoft.ML.TempBalance"] = 0,
        ["Microsoft.ML.TempBalance.Text"] = 1,
        ["Microsoft.ML.TempBalance.SciML"] = 1,
        ["Microsoft.ML.TempBalance.Plots"] = 1,
        ["Microsoft.ML.TempBalance.Experiments"] = 2,
        ["Microsoft.ML.TempBalance.TorchSharpInterop"] = 2,
    };

    /// <summary>The heavy third-party packages and the one library allowed to bring each in (higher layers get it through that library).</summary>
    internal static readonly IReadOnlyDictionary<string, string> PackageOwners = new Dictionary<string, string>
    {
        ["Microsoft.ML.Tokenizers"] = "Microsoft.ML.TempBalance.Text",
        ["PureHDF"] = "Microsoft.ML.TempBalance.SciML",
        ["ScottPlot"] = "Microsoft.ML.TempBalance.Plots",
        ["Microsoft.ML.TorchSharp"] = "Microsoft.ML.TempBalance.TorchSharpInterop",
    };

    [TestMethod]
    public void NoProjectReferencesAProjectOfTheSameOrAHigherLayer()
    {
        List<string> violations = Violations(ProjectFiles().Select(Read).ToList());
        Assert.IsEmpty(violations, string.Join(Environment.NewLine, violations));
    }

    [TestMethod]
    public void TheCheckCatchesAnUpwardReference()
    {
        // The check itself, on projects as they must never be: the core reaching into text, text into SciML, the
        // core taking ScottPlot, and a library nobody placed in a layer.
        var projects = new List<ProjectFile>
        {
            new("Microsoft.ML.TempBalance", IsApplication: false, ["Microsoft.ML.TempBalance.Text"], ["ScottPlot"]),
            new("Microsoft.ML.TempBalance.Text", IsApplication: false, ["Microsoft.ML.TempBalance", "Microsoft.ML.TempBalance.SciML"], []),
            new("Microsoft.ML.TempBalance.SciML", IsApplication: false, ["Microsoft.ML.TempBalance"], []),
            new("Microsoft.ML.TempBalance.Unplaced", IsApplication: false, ["Microsoft.ML.TempBalance"], []),
            new("SomeApp", IsApplication: true, ["Microsoft.ML.TempBalance.Experiments"], ["ScottPlot"]),
        };
        List<string> violations = Violations(projects);
        Assert.HasCount(4, violations, string.Join(Environment.NewLine, violations));
        Assert.IsTrue(violations.Any(v => v.Contains("Microsoft.ML.TempBalance references Microsoft.ML.TempBalance.Text", StringComparison.Ordinal)));
        Assert.IsTrue(violations.Any(v => v.Contains("Microsoft.ML.TempBalance.Text references Microsoft.ML.TempBalance.SciML", StringComparison.Ordinal)));
        Assert.IsTrue(violations.Any(v => v.Contains("Microsoft.ML.TempBalance references the package ScottPlot", StringComparison.Ordinal)));
        Assert.IsTrue(violations.Any(v => v.Contains("Microsoft.ML.TempBalance.Unplaced", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void CompiledAssembliesReferenceOnlyLowerLayers()
    {
        var problems = new List<string>();
        var references = new Dictionary<string, string[]>();
        foreach ((string name, int layer) in Layers)
        {
            // Read from each library's own build output, without loading it (the interop assembly is not a test dependency).
            references[name] = ReferencedAssemblies(Path.Combine(RepositoryPaths.OutputOf(Path.Combine("src", name)), name + ".dll"));
            foreach (string reference in references[name])
            {
                if (Layers.TryGetValue(reference, out int target) && target >= layer)
                {
                    problems.Add($"{name} uses {reference}");
                }

                if (PackageOwners.TryGetValue(reference, out string? owner) && owner != name && Layers[owner] >= layer)
                {
                    problems.Add($"{name} uses {reference}, which belongs to {owner}");
                }
            }
        }

        Assert.IsEmpty(problems, string.Join(Environment.NewLine, problems));
        // The point of the split, in the compiled core: no plotting, HDF5 or tokenizer code. And the reading works:
        // the core does use ML.NET and TorchSharp.
        string[] core = references["Microsoft.ML.TempBalance"];
        CollectionAssert.IsSubsetOf(new[] { "Microsoft.ML.Core", "TorchSharp" }, core);
        CollectionAssert.DoesNotContain(core, "ScottPlot");
        CollectionAssert.DoesNotContain(core, "PureHDF");
        CollectionAssert.DoesNotContain(core, "Microsoft.ML.Tokenizers");
        CollectionAssert.Contains(references["Microsoft.ML.TempBalance.Text"], "Microsoft.ML.TempBalance");
    }

    private static string[] ReferencedAssemblies(string path)
    {
        Assert.IsTrue(File.Exists(path), $"{path} is missing: build the solution first.");
        using var pe = new PEReader(File.OpenRead(path));
        MetadataReader metadata = pe.GetMetadataReader();
        return metadata.AssemblyReferences.Select(h => metadata.GetString(metadata.GetAssemblyReference(h).Name)).ToArray();
    }

    internal sealed record ProjectFile(string Name, bool IsApplication, IReadOnlyList<string> ProjectReferences, IReadOnlyList<string> PackageReferences);

    internal static List<string> Violations(IReadOnlyList<ProjectFile> projects)
    {
        var violations = new List<string>();
        foreach (ProjectFile project in projects)
        {
            int? layer = project.IsApplication ? int.MaxValue : Layers.TryGetValue(project.Name, out int l) ? l : null;
            if (layer is null)
            {
                violations.Add($"{project.Name} is a library without a layer: add it to LayeringTests.Layers.");
                continue;
            }

            foreach (string reference in project.ProjectReferences)
            {
                if (Layers.TryGetValue(reference, out int target) && target >= layer)
                {
                    violations.Add($"{project.Name} references {reference}, which is not in a lower layer.");
                }
            }

            foreach (string package in project.PackageReferences)
            {
                if (!project.IsApplication && PackageOwners.TryGetValue(package, out string? owner) && owner != project.Name)
                {
                    violations.Add($"{project.Name} references the package {package}; only {owner} may (others get it through {owner}).");
                }
            }
        }

        return violations;
    }

    /// <summary>The library, sample and tool projects under src/ (tests are applications of everything and not checked).</summary>
    private static IEnumerable<string> ProjectFiles() =>
        Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Order(StringComparer.Ordinal);

    private static ProjectFile Read(string path)
    {
        XDocument document = XDocument.Load(path);
        string name = document.Descendants("AssemblyName").Select(e => e.Value).FirstOrDefault() ?? Path.GetFileNameWithoutExtension(path);
        bool application = document.Descendants("OutputType").Any(e => e.Value == "Exe");
        List<string> projects = document.Descendants("ProjectReference")
            .Select(e => Path.GetFileNameWithoutExtension(e.Attribute("Include")!.Value.Replace('\\', '/')))
            .ToList();
        List<string> packages = document.Descendants("PackageReference").Select(e => e.Attribute("Include")!.Value).ToList();
        return new ProjectFile(name, application, projects, packages);
    }
}
