namespace Microsoft.ML.TempBalance.Tests;

/// <summary>Where the repository and the build outputs of its other projects are, seen from the test assembly.</summary>
internal static class RepositoryPaths
{
    /// <summary>Debug or Release, whichever the tests were built in.</summary>
    public static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";

    public static string Root
    {
        get
        {
            string? root = AppContext.BaseDirectory;
            while (root is not null && !File.Exists(Path.Combine(root, "TempBalance.sln")))
            {
                root = Path.GetDirectoryName(root);
            }

            return root ?? throw new InvalidOperationException("The tests run inside the repository.");
        }
    }

    /// <summary>The output folder of the project at <paramref name="projectFolder"/> (relative to the root).</summary>
    public static string OutputOf(string projectFolder) =>
        Path.Combine(Root, projectFolder, "bin", Configuration, "net10.0");
}
