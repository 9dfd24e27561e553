using System.Runtime.InteropServices;

namespace Microsoft.ML.TempBalance.Runtime;

/// <summary>
/// Turns off MKL's dynamic thread adjustment in libtorch's bundled MKL. With it on, MKL may decide to use fewer
/// threads than set (its documented default), which changes summation orders and so the last bits of results; with
/// a fixed thread count and this off, the thread count is what <see cref="TorchRuntime.SetThreadCount"/> says.
/// A no-op where the symbol is not exported (other platforms or builds).
/// </summary>
internal static class MklDynamicThreads
{
    private static readonly Lazy<SetDynamic?> Setter = new(Find);

    private delegate void SetDynamic(int flag);

    public static void Disable() => Setter.Value?.Invoke(0);

    private static SetDynamic? Find()
    {
        foreach (string name in new[] { "libtorch_cpu.so", "libtorch_cpu.dylib", "torch_cpu.dll" })
        {
            if (NativeLibrary.TryLoad(name, typeof(MklDynamicThreads).Assembly, DllImportSearchPath.AssemblyDirectory | DllImportSearchPath.SafeDirectories, out IntPtr library)
                && NativeLibrary.TryGetExport(library, "MKL_Set_Dynamic", out IntPtr address))
            {
                return Marshal.GetDelegateForFunctionPointer<SetDynamic>(address);
            }
        }

        return null;
    }
}
