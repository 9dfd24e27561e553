using Microsoft.ML.Transforms;

namespace Microsoft.ML.TempBalance.MLNet;

/// <summary>
/// ML.NET's model format cannot hold our transformers (its save API is internal), so in the saved pipeline each of
/// them is a placeholder CustomMapping with this contract name; the weights travel as extra entries of the same
/// zip and <see cref="TorchModelOperations.LoadTorchModel"/> swaps the placeholders back.
/// </summary>
internal static class TorchPlaceholder
{
    public const string ContractName = "Microsoft.ML.TempBalance.TorchPlaceholder.v1";

    private static readonly AsyncLocal<bool> Loading = new();
    private static readonly AsyncLocal<List<IPersistentTransformer>?> Saving = new();
    private static readonly Lazy<ITransformer> Instance = new(Create);

    public static ITransformer Transformer => Instance.Value;

    public static bool IsLoading => Loading.Value;

    public static List<IPersistentTransformer>? SaveList => Saving.Value;

    public static IDisposable BeginLoad()
    {
        Loading.Value = true;
        return new Scope(() => Loading.Value = false);
    }

    public static IDisposable BeginSave(List<IPersistentTransformer> saved)
    {
        Saving.Value = saved;
        return new Scope(() => Saving.Value = null);
    }

    /// <summary>
    /// What a TempBalance transformer's <c>ICanSaveModel.Save</c> does: register itself for the weights entries and
    /// let the placeholder write ML.NET's part. Outside <see cref="TorchModelOperations.SaveTorchModel"/> it refuses.
    /// </summary>
    public static void SaveInPlaceOf(IPersistentTransformer transformer, ModelSaveContext ctx)
    {
        List<IPersistentTransformer> saved = SaveList
            ?? throw new InvalidOperationException("This model holds TorchSharp weights that mlContext.Model.Save cannot store: save it with mlContext.Model.SaveTorchModel(model, schema, path).");
        saved.Add(transformer);
        ((ICanSaveModel)Transformer).Save(ctx);
    }

    public static bool Is(ITransformer transformer) =>
        transformer is CustomMappingTransformer<PlaceholderRow, PlaceholderRow>;

    private static ITransformer Create()
    {
        var context = new MLContext(seed: 0);
        IDataView empty = context.Data.LoadFromEnumerable(new List<PlaceholderRow>());
        return context.Transforms.CustomMapping<PlaceholderRow, PlaceholderRow>((_, _) => { }, ContractName).Fit(empty);
    }

    private sealed class Scope(Action end) : IDisposable
    {
        public void Dispose() => end();
    }
}

/// <summary>The placeholder's (empty) row type.</summary>
public sealed class PlaceholderRow
{
}

/// <summary>Lets ML.NET rebuild the placeholder on load; outside <see cref="TorchModelOperations.LoadTorchModel"/> it refuses.</summary>
[CustomMappingFactoryAttribute(TorchPlaceholder.ContractName)]
public sealed class TorchPlaceholderFactory : CustomMappingFactory<PlaceholderRow, PlaceholderRow>
{
    /// <inheritdoc />
    public override Action<PlaceholderRow, PlaceholderRow> GetMapping() => TorchPlaceholder.IsLoading
        ? (_, _) => throw new InvalidOperationException("A Microsoft.ML.TempBalance placeholder was used without its weights.")
        : throw new InvalidOperationException("This model holds Microsoft.ML.TempBalance transformers: load it with mlContext.Model.LoadTorchModel(path, out schema).");
}
