using System.Collections;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using TempBalance.Build;

namespace Microsoft.ML.TempBalance.Tests.BuildTasks;

[TestClass]
public sealed class ElfVersionRequirementPatcherTests
{
    private const string Version = "GLIBCXX_3.4.32";

    [TestMethod]
    public void MarksOnlyTheNamedRequirementWeak()
    {
        byte[] image = SyntheticElf.WithRequirements(new[] { "GLIBCXX_3.4.30", Version, "CXXABI_1.3.13" }, out long[] flags);
        byte[] before = (byte[])image.Clone();

        Assert.AreEqual(ElfPatchOutcome.Patched, ElfVersionRequirementPatcher.MarkWeak(image, Version, "lib.so"));

        Assert.AreEqual(0x02, image[flags[1]]);
        for (int i = 0; i < image.Length; i++)
        {
            if (i != flags[1])
            {
                Assert.AreEqual(before[i], image[i], $"byte {i} changed");
            }
        }
    }

    [TestMethod]
    public void PatchingTwiceChangesNothingTheSecondTime()
    {
        using var folder = new TempFolder();
        string path = folder.File("libLibTorchSharp.so");
        File.WriteAllBytes(path, SyntheticElf.WithRequirements(new[] { Version }, out _));

        Assert.AreEqual(ElfPatchOutcome.Patched, ElfVersionRequirementPatcher.MarkWeak(path, Version));
        byte[] once = File.ReadAllBytes(path);
        Assert.AreEqual(ElfPatchOutcome.AlreadyWeak, ElfVersionRequirementPatcher.MarkWeak(path, Version));
        CollectionAssert.AreEqual(once, File.ReadAllBytes(path));
        CollectionAssert.AreEqual(new[] { "libLibTorchSharp.so" }, Directory.GetFiles(folder.Path).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public void PatchingAHardLinkLeavesTheOtherLinkUnchanged()
    {
        // Build outputs hard-link native files to the NuGet cache (Directory.Build.props); patching the output
        // must break the link, never write through it into the cache.
        if (!OperatingSystem.IsLinux())
        {
            Assert.Inconclusive("hard links are created with libc's link(2) here; this host is not Linux.");
        }

        using var folder = new TempFolder();
        string cached = folder.File("cache.so");
        string output = folder.File("libLibTorchSharp.so");
        File.WriteAllBytes(cached, SyntheticElf.WithRequirements(new[] { Version }, out long[] flags));
        byte[] original = File.ReadAllBytes(cached);
        Assert.AreEqual(0, link(cached, output), $"link(2) failed with errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");

        Assert.AreEqual(ElfPatchOutcome.Patched, ElfVersionRequirementPatcher.MarkWeak(output, Version));

        CollectionAssert.AreEqual(original, File.ReadAllBytes(cached), "the other link was written through");
        Assert.AreEqual(0x02, File.ReadAllBytes(output)[flags[0]]);
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int link(string existing, string created);

    [TestMethod]
    public void ALibraryWithoutTheRequirementIsLeftAlone()
    {
        byte[] image = SyntheticElf.WithRequirements(new[] { "GLIBCXX_3.4.30" }, out _);
        byte[] before = (byte[])image.Clone();
        Assert.AreEqual(ElfPatchOutcome.NotRequired, ElfVersionRequirementPatcher.MarkWeak(image, Version, "lib.so"));
        CollectionAssert.AreEqual(before, image);
    }

    [TestMethod]
    public void ReadsTheVersionsALibraryDefines()
    {
        byte[] image = SyntheticElf.WithDefinitions(new[] { "libstdc++.so.6", "GLIBCXX_3.4", "GLIBCXX_3.4.30" });
        CollectionAssert.AreEqual(new[] { "libstdc++.so.6", "GLIBCXX_3.4", "GLIBCXX_3.4.30" },
            ElfVersionRequirementPatcher.ReadDefinedVersions(image, "libstdc++.so.6"));
    }

    [TestMethod]
    public void AFileThatIsNotElfIsRejectedWithItsName()
    {
        var error = Assert.ThrowsExactly<InvalidDataException>(
            () => ElfVersionRequirementPatcher.ReadRequirements(new byte[128], "bogus.so"));
        StringAssert.Contains(error.Message, "'bogus.so'");
        StringAssert.Contains(error.Message, "not an ELF file");
    }

    [TestMethod]
    public void ASectionPointingOutsideTheFileIsRejected()
    {
        byte[] image = SyntheticElf.WithRequirements(new[] { Version }, out _);
        long table = BitConverter.ToInt64(image, 0x28);
        BitConverter.GetBytes((ulong)image.Length * 2).CopyTo(image, (int)(table + 2 * 64 + 24));
        var error = Assert.ThrowsExactly<InvalidDataException>(() => ElfVersionRequirementPatcher.ReadRequirements(image, "cut.so"));
        StringAssert.Contains(error.Message, "outside the file");
    }

    [TestMethod]
    public void TheTaskPatchesOnlyWhenTheHostLacksTheVersion()
    {
        using var folder = new TempFolder();
        string library = folder.File("libLibTorchSharp.so");
        string oldHost = folder.File("old-libstdc++.so.6");
        string newHost = folder.File("new-libstdc++.so.6");
        File.WriteAllBytes(oldHost, SyntheticElf.WithDefinitions(new[] { "GLIBCXX_3.4", "GLIBCXX_3.4.30" }));
        File.WriteAllBytes(newHost, SyntheticElf.WithDefinitions(new[] { "GLIBCXX_3.4", "GLIBCXX_3.4.30", Version }));
        byte[] original = SyntheticElf.WithRequirements(new[] { Version }, out long[] flags);

        File.WriteAllBytes(library, original);
        Assert.IsTrue(RunTask(library, newHost, out _));
        CollectionAssert.AreEqual(original, File.ReadAllBytes(library), "a host that has the version must not trigger a patch");

        Assert.IsTrue(RunTask(library, oldHost, out _));
        Assert.AreEqual(0x02, File.ReadAllBytes(library)[flags[0]]);
    }

    [TestMethod]
    public void TheTaskFailsTheBuildWhenTheExpectedFileIsMissingOrMalformed()
    {
        using var folder = new TempFolder();
        string oldHost = folder.File("libstdc++.so.6");
        File.WriteAllBytes(oldHost, SyntheticElf.WithDefinitions(new[] { "GLIBCXX_3.4.30" }));

        Assert.IsFalse(RunTask(folder.File("absent.so"), oldHost, out var errors));
        StringAssert.Contains(errors.Single(), "is missing");

        string garbage = folder.File("garbage.so");
        File.WriteAllBytes(garbage, new byte[100]);
        Assert.IsFalse(RunTask(garbage, oldHost, out errors));
        StringAssert.Contains(errors.Single(), "not an ELF file");
    }

    [TestMethod]
    public void TheBuildOutputCopyIsPatchedAndThePackageCacheIsNot()
    {
        // The fix and this check are about the linux-x64 TorchSharp binary and a Debian-style libstdc++ path.
        const string HostLibrary = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64 || !File.Exists(HostLibrary))
        {
            Assert.Inconclusive($"The native fix acts on linux-x64 with {HostLibrary}; this host is {System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier}.");
        }

        string output = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.IsTrue(File.Exists(output), $"expected the native library at {output}");
        bool hostHasVersion = ElfVersionRequirementPatcher.ReadDefinedVersions(
            File.ReadAllBytes(HostLibrary), "libstdc++").Contains(Version);
        var outputRequirement = ElfVersionRequirementPatcher.ReadRequirements(File.ReadAllBytes(output), output)
            .Single(r => r.Version == Version);
        Assert.AreEqual(!hostHasVersion, (outputRequirement.Flags & ElfVersionRequirementPatcher.WeakFlag) != 0);

        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string cached = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.IsTrue(File.Exists(cached), $"expected the package cache copy at {cached}");
        var cachedRequirement = ElfVersionRequirementPatcher.ReadRequirements(File.ReadAllBytes(cached), cached)
            .Single(r => r.Version == Version);
        Assert.AreEqual(0, cachedRequirement.Flags & ElfVersionRequirementPatcher.WeakFlag, "the NuGet cache must never be patched");
    }

    private static bool RunTask(string file, string host, out List<string> errors)
    {
        var engine = new RecordingBuildEngine();
        var task = new WeakenElfVersionRequirement
        {
            BuildEngine = engine,
            Files = new ITaskItem[] { new TaskItem(file) },
            RequiredVersion = Version,
            HostLibrary = host,
        };
        bool result = task.Execute();
        errors = engine.Errors;
        return result;
    }

    private sealed class RecordingBuildEngine : IBuildEngine
    {
        public List<string> Errors { get; } = new();

        public bool ContinueOnError => false;

        public int LineNumberOfTaskNode => 0;

        public int ColumnNumberOfTaskNode => 0;

        public string ProjectFileOfTaskNode => "test.proj";

        public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) => false;

        public void LogCustomEvent(CustomBuildEventArgs e)
        {
        }

        public void LogErrorEvent(BuildErrorEventArgs e) => Errors.Add(e.Message ?? string.Empty);

        public void LogMessageEvent(BuildMessageEventArgs e)
        {
        }

        public void LogWarningEvent(BuildWarningEventArgs e)
        {
        }
    }
}
