// Places a pretrained checkpoint where a path can name it (experiment specs resolve paths against their folder).
// Usage: dotnet run --project src/Samples/Pretrained -c Release -- minilm <folder>
//   imports all-MiniLM-L6-v2 into the cache once (see MiniLm) and copies the Hugging Face folder to <folder>.
using Microsoft.ML.TempBalance.Samples;

if (args.Length != 2 || args[0] != "minilm")
{
    Console.Error.WriteLine("usage: Pretrained minilm <folder>   (copies the imported all-MiniLM-L6-v2 checkpoint folder there)");
    return 2;
}

string source = MiniLm.Checkpoint(Console.WriteLine);
string target = Path.GetFullPath(args[1]);
if (File.Exists(Path.Combine(target, "model.safetensors")))
{
    Console.WriteLine($"{target} already holds a checkpoint; left as it is.");
    return 0;
}

// Copied into a staging folder and moved, so a killed copy never leaves a half checkpoint at the target.
string staging = target.TrimEnd(Path.DirectorySeparatorChar) + ".tmp-" + Guid.NewGuid().ToString("N");
Directory.CreateDirectory(staging);
foreach (string file in Directory.GetFiles(source))
{
    File.Copy(file, Path.Combine(staging, Path.GetFileName(file)));
}

Directory.CreateDirectory(Path.GetDirectoryName(target)!);
if (Directory.Exists(target))
{
    Directory.Delete(target);
}

Directory.Move(staging, target);
Console.WriteLine($"{MiniLm.Name} is in {target}");
return 0;
