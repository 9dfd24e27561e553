using System.Reflection;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.TempBalance.MLNet;

/// <summary>
/// Rebuilds a saved transformer from the type its manifest names. The type is resolved by name, so the core never
/// references the assemblies that define transformer kinds; an application that lacks the package of a saved kind
/// gets an error naming that package.
/// </summary>
internal static class PersistedTransformers
{
    /// <summary>
    /// Models saved before the library was split into packages name only their kind. These two names are the whole
    /// list of such kinds; newer manifests carry the type.
    /// </summary>
    private static readonly Dictionary<string, string> TypesOfLegacyKinds = new(StringComparer.Ordinal)
    {
        ["RobertaText"] = "Microsoft.ML.TempBalance.Text.TextTransformer, Microsoft.ML.TempBalance.Text",
        ["PdeRegression"] = "Microsoft.ML.TempBalance.SciML.MLNet.PdeRegressionTransformer, Microsoft.ML.TempBalance.SciML",
    };

    private const string LibraryAssemblyPrefix = "Microsoft.ML.TempBalance";

    private static readonly MethodInfo LoadOfType =
        typeof(PersistedTransformers).GetMethod(nameof(LoadAs), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>The name written to the manifest: namespace-qualified type and assembly, without version, so that newer packages load older models.</summary>
    public static string TypeNameOf(IPersistentTransformer transformer)
    {
        Type type = transformer.GetType();
        return $"{type.FullName}, {type.Assembly.GetName().Name}";
    }

    public static ITransformer Load(IHostEnvironment environment, string kind, string? typeName, string folder)
    {
        typeName ??= TypesOfLegacyKinds.GetValueOrDefault(kind)
            ?? throw new InvalidDataException($"The model holds a transformer of kind '{kind}' without its type name, and '{kind}' is not a kind this library has saved.");
        string assembly = typeName.Split(',', 2) is [_, var name] ? name.Trim() : "";
        // Refused before anything is resolved: a name read out of a file may only point into this library's packages,
        // and never at a generic instantiation (which would resolve more assemblies).
        bool ours = assembly == LibraryAssemblyPrefix || assembly.StartsWith(LibraryAssemblyPrefix + ".", StringComparison.Ordinal);
        if (!ours || typeName.IndexOfAny(['[', '`', '*', '&']) >= 0)
        {
            throw new InvalidDataException($"The model names {typeName} as the type of a saved transformer; only types of {LibraryAssemblyPrefix}* assemblies are loaded.");
        }

        Type type;
        try
        {
            type = Type.GetType(typeName, throwOnError: false)
                ?? throw new InvalidDataException($"The model holds a transformer of kind '{kind}' ({typeName}), which this application cannot find: add a reference to the package {assembly}.");
        }
        catch (FileLoadException e)
        {
            throw new InvalidDataException($"The model holds a transformer of kind '{kind}' ({typeName}), whose assembly does not load: {e.Message}", e);
        }

        if (!typeof(IPersistentTransformer).IsAssignableFrom(type) || !typeof(IPersistentTransformerLoader).IsAssignableFrom(type) || !type.IsClass)
        {
            // Only our own transformer types are ever instantiated from a name read out of a file.
            throw new InvalidDataException($"The model names {typeName} as the type of a saved transformer, but that type is not one.");
        }

        try
        {
            return (ITransformer)LoadOfType.MakeGenericMethod(type).Invoke(null, [environment, folder])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    private static ITransformer LoadAs<T>(IHostEnvironment environment, string folder)
        where T : IPersistentTransformerLoader => T.Load(environment, folder);
}
