namespace Microsoft.ML.TempBalance.IO;

/// <summary>
/// Writes files so that the target path holds either the old content or the complete new content, never a
/// half-written file: the content goes to a temporary file in the same folder, which is then renamed.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes a file through <paramref name="write"/> and renames it to <paramref name="path"/>.</summary>
    /// <param name="path">The target path; an existing file there is replaced only after a successful write.</param>
    /// <param name="write">Writes the content to the stream it is given.</param>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string fullPath = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(fullPath)
            ?? throw new ArgumentException($"'{path}' has no parent folder.", nameof(path));
        Directory.CreateDirectory(folder);
        string temporary = Path.Combine(folder, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
