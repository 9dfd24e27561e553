using Microsoft.ML.Runtime;
using Microsoft.ML.TempBalance.Text;

namespace Microsoft.ML.TempBalance.MLNet;

/// <summary>Rebuilds a saved transformer from its kind and state folder.</summary>
internal static class PersistedTransformers
{
    public static ITransformer Load(IHostEnvironment environment, string kind, string folder) => kind switch
    {
        TextTransformer.KindName => TextTransformer.LoadState(environment, folder),
        SciML.MLNet.PdeRegressionTransformer.KindName => SciML.MLNet.PdeRegressionTransformer.LoadState(environment, folder),
        _ => throw new InvalidDataException($"The model holds a transformer of kind '{kind}', which this version of Microsoft.ML.TempBalance does not know."),
    };
}
