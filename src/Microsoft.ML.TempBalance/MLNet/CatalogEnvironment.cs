using System.Reflection;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.TempBalance.MLNet;

/// <summary>
/// The <see cref="IHostEnvironment"/> behind an ML.NET catalog object (e.g. <c>mlContext.MulticlassClassification.Trainers</c>).
/// ML.NET exposes it only through its internal <c>IInternalCatalog.Environment</c>; this one guarded reflection read
/// lets our trainers hang off the standard catalogs like ML.NET's own. A test covers it, so an ML.NET upgrade that
/// removes it fails loudly.
/// </summary>
internal static class CatalogEnvironment
{
    private static readonly PropertyInfo? EnvironmentProperty =
        typeof(MLContext).Assembly.GetType("Microsoft.ML.Data.IInternalCatalog")?.GetProperty("Environment");

    public static IHostEnvironment Of(object catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (EnvironmentProperty is null)
        {
            throw new NotSupportedException("This version of ML.NET has no IInternalCatalog.Environment; Microsoft.ML.TempBalance supports Microsoft.ML 6.0.x.");
        }

        return EnvironmentProperty.GetValue(catalog) as IHostEnvironment
            ?? throw new NotSupportedException($"The catalog {catalog.GetType().Name} does not carry an ML.NET environment.");
    }
}
