namespace Microsoft.ML.TempBalance.MLNet;

/// <summary>
/// A transformer of this library whose learned state (weights, tokenizer, options) lives outside ML.NET's model
/// format. <see cref="TorchModelOperations.SaveTorchModel"/> writes <see cref="WriteState"/> into the model zip with
/// the implementing type's name; <see cref="PersistedTransformers"/> finds that type again on load and calls its
/// <see cref="IPersistentTransformerLoader.Load"/>.
/// </summary>
internal interface IPersistentTransformer : ITransformer
{
    /// <summary>Stable name of the transformer type in the manifest, e.g. <c>RobertaText</c>.</summary>
    string Kind { get; }

    /// <summary>Writes the state files into an empty folder.</summary>
    void WriteState(string folder);
}
