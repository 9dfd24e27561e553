using Microsoft.ML.Runtime;

namespace Microsoft.ML.TempBalance.MLNet;

/// <summary>
/// Implemented by each <see cref="IPersistentTransformer"/> type (a separate interface because a static abstract
/// member would stop the instance interface from being a type argument). New kinds need no registration in the
/// core: that is what lets the area packages (text, SciML) depend on the core and not the other way round.
/// </summary>
internal interface IPersistentTransformerLoader
{
    /// <summary>Rebuilds the transformer from a folder that <see cref="IPersistentTransformer.WriteState"/> filled.</summary>
    static abstract ITransformer Load(IHostEnvironment environment, string folder);
}
