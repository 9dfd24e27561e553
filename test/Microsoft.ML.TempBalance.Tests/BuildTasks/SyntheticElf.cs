using System.Text;

namespace Microsoft.ML.TempBalance.Tests.BuildTasks;

/// <summary>
/// Builds minimal little-endian ELF64 images by hand (independently of the patcher's reader): a string
/// table plus either a version-needs section (a library's requirements) or a version-definitions section
/// (what a libstdc++ provides).
/// </summary>
internal static class SyntheticElf
{
    private const uint ShtStrtab = 3;
    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;

    /// <summary>A library requiring <paramref name="versions"/> from libstdc++.so.6, all with flags 0.</summary>
    /// <param name="flagOffsets">File offset of each requirement's vna_flags.</param>
    public static byte[] WithRequirements(string[] versions, out long[] flagOffsets)
    {
        var strings = new StringTable();
        uint file = strings.Add("libstdc++.so.6");
        uint[] names = versions.Select(strings.Add).ToArray();

        var section = new List<byte>();
        Put16(section, 1); Put16(section, (ushort)versions.Length); Put32(section, file); Put32(section, 16); Put32(section, 0);
        var relativeFlags = new long[versions.Length];
        for (int i = 0; i < versions.Length; i++)
        {
            relativeFlags[i] = section.Count + 4;
            Put32(section, 0x0297f800u + (uint)i); Put16(section, 0); Put16(section, (ushort)(2 + i)); Put32(section, names[i]);
            Put32(section, i == versions.Length - 1 ? 0u : 16u);
        }

        byte[] image = Assemble(strings.Bytes, section.ToArray(), ShtGnuVerneed, 1, out long sectionOffset);
        flagOffsets = relativeFlags.Select(r => sectionOffset + r).ToArray();
        return image;
    }

    /// <summary>A libstdc++ that defines <paramref name="versions"/>.</summary>
    public static byte[] WithDefinitions(string[] versions)
    {
        var strings = new StringTable();
        uint[] names = versions.Select(strings.Add).ToArray();
        var section = new List<byte>();
        for (int i = 0; i < versions.Length; i++)
        {
            // Elf64_Verdef (20 bytes) immediately followed by its single Elf64_Verdaux (8 bytes).
            Put16(section, 1); Put16(section, 0); Put16(section, (ushort)(i + 1)); Put16(section, 1);
            Put32(section, 0); Put32(section, 20); Put32(section, i == versions.Length - 1 ? 0u : 28u);
            Put32(section, names[i]); Put32(section, 0);
        }

        return Assemble(strings.Bytes, section.ToArray(), ShtGnuVerdef, (uint)versions.Length, out _);
    }

    private static byte[] Assemble(byte[] strtab, byte[] versionSection, uint versionType, uint info, out long versionOffset)
    {
        var image = new List<byte>(new byte[64]);
        long strtabOffset = image.Count;
        image.AddRange(strtab);
        while (image.Count % 8 != 0) image.Add(0);
        versionOffset = image.Count;
        image.AddRange(versionSection);
        while (image.Count % 8 != 0) image.Add(0);
        long sectionHeaders = image.Count;
        image.AddRange(new byte[64]); // section 0: SHT_NULL
        image.AddRange(SectionHeader(ShtStrtab, strtabOffset, strtab.Length, 0, 0));
        image.AddRange(SectionHeader(versionType, versionOffset, versionSection.Length, 1, info));

        byte[] bytes = image.ToArray();
        bytes[0] = 0x7f; bytes[1] = (byte)'E'; bytes[2] = (byte)'L'; bytes[3] = (byte)'F';
        bytes[4] = 2; bytes[5] = 1; bytes[6] = 1;
        BitConverter.GetBytes((ushort)3).CopyTo(bytes, 0x10); // ET_DYN
        BitConverter.GetBytes((ushort)62).CopyTo(bytes, 0x12); // EM_X86_64
        BitConverter.GetBytes((ulong)sectionHeaders).CopyTo(bytes, 0x28);
        BitConverter.GetBytes((ushort)64).CopyTo(bytes, 0x34);
        BitConverter.GetBytes((ushort)64).CopyTo(bytes, 0x3A);
        BitConverter.GetBytes((ushort)3).CopyTo(bytes, 0x3C);
        BitConverter.GetBytes((ushort)1).CopyTo(bytes, 0x3E);
        return bytes;
    }

    private static byte[] SectionHeader(uint type, long offset, long size, uint link, uint info)
    {
        var header = new byte[64];
        BitConverter.GetBytes(type).CopyTo(header, 4);
        BitConverter.GetBytes((ulong)offset).CopyTo(header, 24);
        BitConverter.GetBytes((ulong)size).CopyTo(header, 32);
        BitConverter.GetBytes(link).CopyTo(header, 40);
        BitConverter.GetBytes(info).CopyTo(header, 44);
        return header;
    }

    private static void Put16(List<byte> b, ushort v) => b.AddRange(BitConverter.GetBytes(v));

    private static void Put32(List<byte> b, uint v) => b.AddRange(BitConverter.GetBytes(v));

    private sealed class StringTable
    {
        private readonly List<byte> _bytes = new() { 0 };

        public byte[] Bytes => _bytes.ToArray();

        public uint Add(string value)
        {
            uint offset = (uint)_bytes.Count;
            _bytes.AddRange(Encoding.ASCII.GetBytes(value));
            _bytes.Add(0);
            return offset;
        }
    }
}
