// Build-time fix for TorchSharp's native glue library on hosts whose libstdc++ is older than the one it was
// linked against (Debian 12: GCC 12, GLIBCXX up to 3.4.30; libLibTorchSharp.so 0.107 asks for 3.4.32 for one
// unused marker symbol). Marking that single version requirement weak (VER_FLG_WEAK) turns the loader's hard
// failure into a warning. See build/README.md.
//
// This file is compiled twice: by MSBuild's RoslynCodeTaskFactory (netstandard2.0 references, so only
// conservative APIs are used) and by the unit tests, which exercise the patcher without MSBuild.
#if NET
#nullable disable
#endif
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace TempBalance.Build
{
    /// <summary>One version requirement (Elf64_Vernaux) of a shared library.</summary>
    public sealed class ElfVersionRequirement
    {
        public ElfVersionRequirement(string file, string version, ushort flags, long flagsOffset)
        {
            File = file;
            Version = version;
            Flags = flags;
            FlagsOffset = flagsOffset;
        }

        /// <summary>The library the version is required from, e.g. libstdc++.so.6.</summary>
        public string File { get; private set; }

        /// <summary>The version name, e.g. GLIBCXX_3.4.32.</summary>
        public string Version { get; private set; }

        /// <summary>vna_flags; <see cref="ElfVersionRequirementPatcher.WeakFlag"/> marks a weak requirement.</summary>
        public ushort Flags { get; private set; }

        /// <summary>File offset of vna_flags.</summary>
        public long FlagsOffset { get; private set; }
    }

    /// <summary>What <see cref="ElfVersionRequirementPatcher.MarkWeak(string, string)"/> did.</summary>
    public enum ElfPatchOutcome
    {
        /// <summary>The requirement was strong and is now weak.</summary>
        Patched,

        /// <summary>The requirement was already weak: nothing written.</summary>
        AlreadyWeak,

        /// <summary>The library does not require that version: nothing written.</summary>
        NotRequired,
    }

    /// <summary>Reads and patches the GNU symbol-versioning sections of little-endian ELF64 files.</summary>
    public static class ElfVersionRequirementPatcher
    {
        public const ushort WeakFlag = 0x2;
        private const uint ShtGnuVerdef = 0x6ffffffd;
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const int ElfHeaderSize = 64;
        private const int SectionHeaderSize = 64;

        /// <summary>Lists every version requirement (library, version, flags) of an ELF64 image.</summary>
        public static List<ElfVersionRequirement> ReadRequirements(byte[] image, string fileName)
        {
            var result = new List<ElfVersionRequirement>();
            Section[] sections = ReadSections(image, fileName);
            foreach (Section verneed in sections)
            {
                if (verneed.Type != ShtGnuVerneed)
                {
                    continue;
                }

                Section strings = StringTableOf(image, verneed, sections, fileName);
                long entry = verneed.Offset;
                for (uint i = 0; i < verneed.Info; i++)
                {
                    RequireRange(image, entry, 16, fileName, "an Elf64_Verneed record");
                    ushort auxCount = U16(image, entry + 2);
                    string library = ReadString(image, strings, U32(image, entry + 4), fileName);
                    long aux = entry + U32(image, entry + 8);
                    for (int k = 0; k < auxCount; k++)
                    {
                        RequireRange(image, aux, 16, fileName, "an Elf64_Vernaux record");
                        string version = ReadString(image, strings, U32(image, aux + 8), fileName);
                        result.Add(new ElfVersionRequirement(library, version, U16(image, aux + 4), aux + 4));
                        uint nextAux = U32(image, aux + 12);
                        if (nextAux == 0)
                        {
                            break;
                        }

                        aux += nextAux;
                    }

                    uint next = U32(image, entry + 12);
                    if (next == 0)
                    {
                        break;
                    }

                    entry += next;
                }
            }

            return result;
        }

        /// <summary>Lists the version names an ELF64 shared library defines (its .gnu.version_d section).</summary>
        public static List<string> ReadDefinedVersions(byte[] image, string fileName)
        {
            var result = new List<string>();
            Section[] sections = ReadSections(image, fileName);
            foreach (Section verdef in sections)
            {
                if (verdef.Type != ShtGnuVerdef)
                {
                    continue;
                }

                Section strings = StringTableOf(image, verdef, sections, fileName);
                long entry = verdef.Offset;
                for (uint i = 0; i < verdef.Info; i++)
                {
                    RequireRange(image, entry, 20, fileName, "an Elf64_Verdef record");
                    ushort auxCount = U16(image, entry + 6);
                    long aux = entry + U32(image, entry + 12);
                    if (auxCount > 0)
                    {
                        // The first Verdaux names the version itself; later ones name its parents.
                        RequireRange(image, aux, 8, fileName, "an Elf64_Verdaux record");
                        result.Add(ReadString(image, strings, U32(image, aux), fileName));
                    }

                    uint next = U32(image, entry + 16);
                    if (next == 0)
                    {
                        break;
                    }

                    entry += next;
                }
            }

            return result;
        }

        /// <summary>
        /// Marks the requirement of <paramref name="version"/> weak in <paramref name="image"/> (in memory).
        /// </summary>
        public static ElfPatchOutcome MarkWeak(byte[] image, string version, string fileName)
        {
            bool found = false;
            bool changed = false;
            foreach (ElfVersionRequirement requirement in ReadRequirements(image, fileName))
            {
                if (requirement.Version != version)
                {
                    continue;
                }

                found = true;
                if ((requirement.Flags & WeakFlag) == 0)
                {
                    ushort flags = (ushort)(requirement.Flags | WeakFlag);
                    image[requirement.FlagsOffset] = (byte)(flags & 0xff);
                    image[requirement.FlagsOffset + 1] = (byte)(flags >> 8);
                    changed = true;
                }
            }

            if (!found)
            {
                return ElfPatchOutcome.NotRequired;
            }

            return changed ? ElfPatchOutcome.Patched : ElfPatchOutcome.AlreadyWeak;
        }

        /// <summary>
        /// Marks the requirement weak in the file at <paramref name="path"/>. The new content is written to a
        /// temporary file beside it and renamed over it, so the file is never half-written and a hard link to
        /// another copy (e.g. a package cache) is broken rather than modified.
        /// </summary>
        public static ElfPatchOutcome MarkWeak(string path, string version)
        {
            byte[] image = File.ReadAllBytes(path);
            ElfPatchOutcome outcome = MarkWeak(image, version, path);
            if (outcome != ElfPatchOutcome.Patched)
            {
                return outcome;
            }

            string temporary = path + ".tmp-" + Guid.NewGuid().ToString("N");
            try
            {
                File.WriteAllBytes(temporary, image);
                if (File.Exists(path))
                {
                    File.Replace(temporary, path, null);
                }
                else
                {
                    File.Move(temporary, path);
                }
            }
            finally
            {
                if (File.Exists(temporary))
                {
                    File.Delete(temporary);
                }
            }

            return outcome;
        }

        private struct Section
        {
            public uint Type;
            public long Offset;
            public long Size;
            public uint Link;
            public uint Info;
        }

        private static Section[] ReadSections(byte[] image, string fileName)
        {
            if (image.Length < ElfHeaderSize || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L'
                || image[3] != (byte)'F')
            {
                throw Malformed(fileName, "not an ELF file (missing the 0x7F 'ELF' magic or shorter than 64 bytes)");
            }

            if (image[4] != 2 || image[5] != 1)
            {
                throw Malformed(fileName, "not a little-endian 64-bit ELF file (EI_CLASS " + image[4] + ", EI_DATA "
                    + image[5] + ")");
            }

            long tableOffset = checked((long)U64(image, 0x28));
            ushort entrySize = U16(image, 0x3A);
            long count = U16(image, 0x3C);
            if (tableOffset == 0)
            {
                throw Malformed(fileName, "no section header table");
            }

            if (entrySize != SectionHeaderSize)
            {
                throw Malformed(fileName, "section header size " + entrySize + " (expected 64)");
            }

            RequireRange(image, tableOffset, SectionHeaderSize, fileName, "the section header table");
            if (count == 0)
            {
                // Extended numbering: the real count is in the first section header's sh_size.
                count = checked((long)U64(image, tableOffset + 32));
            }

            RequireRange(image, tableOffset, checked(count * SectionHeaderSize), fileName, "the section header table");
            var sections = new Section[count];
            for (long i = 0; i < count; i++)
            {
                long header = tableOffset + i * SectionHeaderSize;
                sections[i] = new Section
                {
                    Type = U32(image, header + 4),
                    Offset = checked((long)U64(image, header + 24)),
                    Size = checked((long)U64(image, header + 32)),
                    Link = U32(image, header + 40),
                    Info = U32(image, header + 44),
                };
                if (sections[i].Type == ShtGnuVerneed || sections[i].Type == ShtGnuVerdef)
                {
                    RequireRange(image, sections[i].Offset, sections[i].Size, fileName, "a symbol-versioning section");
                }
            }

            return sections;
        }

        private static Section StringTableOf(byte[] image, Section section, Section[] sections, string fileName)
        {
            if (section.Link >= sections.Length)
            {
                throw Malformed(fileName, "symbol-versioning section links to string table " + section.Link
                    + ", but there are only " + sections.Length + " sections");
            }

            Section strings = sections[section.Link];
            RequireRange(image, strings.Offset, strings.Size, fileName, "the string table");
            return strings;
        }

        private static string ReadString(byte[] image, Section strings, uint offset, string fileName)
        {
            if (offset >= strings.Size)
            {
                throw Malformed(fileName, "string offset " + offset + " lies outside the string table");
            }

            long start = strings.Offset + offset;
            long end = start;
            long limit = Math.Min(image.Length, strings.Offset + strings.Size);
            while (end < limit && image[end] != 0)
            {
                end++;
            }

            if (end >= limit)
            {
                throw Malformed(fileName, "unterminated string in the string table");
            }

            return Encoding.ASCII.GetString(image, (int)start, (int)(end - start));
        }

        private static void RequireRange(byte[] image, long offset, long length, string fileName, string what)
        {
            if (offset < 0 || length < 0 || (image != null && offset + length > image.Length))
            {
                throw Malformed(fileName, what + " at offset " + offset + " (" + length
                    + " bytes) lies outside the file" + (image != null ? " of " + image.Length + " bytes" : ""));
            }
        }

        private static InvalidDataException Malformed(string fileName, string problem)
        {
            return new InvalidDataException("'" + fileName + "' is not a well-formed ELF64 shared library: " + problem + ".");
        }

        private static ushort U16(byte[] b, long o)
        {
            RequireRange(b, o, 2, "(image)", "a 16-bit field");
            return (ushort)(b[o] | (b[o + 1] << 8));
        }

        private static uint U32(byte[] b, long o)
        {
            RequireRange(b, o, 4, "(image)", "a 32-bit field");
            return (uint)(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24));
        }

        private static ulong U64(byte[] b, long o)
        {
            return U32(b, o) | ((ulong)U32(b, o + 4) << 32);
        }
    }

    /// <summary>
    /// MSBuild task: on Linux hosts whose libstdc++ lacks <see cref="RequiredVersion"/>, marks that version
    /// requirement weak in each of <see cref="Files"/> (copies in a build or publish output).
    /// </summary>
    public sealed class WeakenElfVersionRequirement : Microsoft.Build.Utilities.Task
    {
        private static readonly string[] LibStdCxxCandidates =
        {
            "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6",
            "/lib64/libstdc++.so.6",
            "/usr/lib/libstdc++.so.6",
        };

        [Required]
        public ITaskItem[] Files { get; set; }

        [Required]
        public string RequiredVersion { get; set; }

        /// <summary>Optional: the host libstdc++ to inspect (tests, unusual layouts). Searched for when empty.</summary>
        public string HostLibrary { get; set; }

        public override bool Execute()
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                return true;
            }

            string host = string.IsNullOrEmpty(HostLibrary) ? FindHostLibStdCxx() : HostLibrary;
            if (host != null)
            {
                try
                {
                    if (ElfVersionRequirementPatcher.ReadDefinedVersions(File.ReadAllBytes(host), host).Contains(RequiredVersion))
                    {
                        Log.LogMessage(MessageImportance.Low, "{0} defines {1}: TorchSharp's native library needs no patch.", host, RequiredVersion);
                        return true;
                    }
                }
                catch (InvalidDataException e)
                {
                    Log.LogWarning("Could not read the host libstdc++ ({0}); patching anyway: {1}", host, e.Message);
                }
            }
            else
            {
                Log.LogMessage(MessageImportance.Normal, "No host libstdc++.so.6 found in the usual places; patching anyway (a weak requirement is harmless).");
            }

            foreach (ITaskItem item in Files)
            {
                string path = item.GetMetadata("FullPath");
                if (!File.Exists(path))
                {
                    Log.LogError(null, "TB0002", null, path, 0, 0, 0, 0,
                        "TorchSharp native library expected at '{0}' after the copy to the output, but the file is missing.", path);
                    continue;
                }

                try
                {
                    ElfPatchOutcome outcome = ElfVersionRequirementPatcher.MarkWeak(path, RequiredVersion);
                    Log.LogMessage(MessageImportance.Normal, "{0}: {1} requirement {2}.", path, RequiredVersion,
                        outcome == ElfPatchOutcome.Patched ? "marked weak" : outcome == ElfPatchOutcome.AlreadyWeak ? "already weak" : "not present");
                }
                catch (InvalidDataException e)
                {
                    Log.LogError(null, "TB0003", null, path, 0, 0, 0, 0, "{0}", e.Message);
                }
            }

            return !Log.HasLoggedErrors;
        }

        private static string FindHostLibStdCxx()
        {
            foreach (string candidate in LibStdCxxCandidates)
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }
    }
}
