using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.Tests.Compatibility;

namespace Microsoft.ML.TempBalance.Tests.MLNet;

/// <summary>
/// The manifest of each saved transformer names its type, which is how the core loads kinds it does not know. The
/// names are part of the file format (pinned here), and a name read out of a file is refused unless it is one of this
/// library's transformer types.
/// </summary>
[TestClass]
public sealed class SavedModelManifestTests
{
    private static string PreSplitPdeModel => SavedModelCompatibilityTests.Stored(SavedModelCompatibilityTests.PdeModel + ".zip");

    [TestMethod]
    public void ASavedModelNamesItsTransformerTypeAndKind()
    {
        using var folder = new TempFolder();
        var ml = new MLContext(seed: 1);
        ITransformer model = ml.Model.LoadTorchModel(PreSplitPdeModel, out DataViewSchema schema);
        ml.Model.SaveTorchModel(model, schema, folder.File("resaved.zip"));
        JsonObject manifest = ReadManifest(folder.File("resaved.zip"));
        Assert.AreEqual(1, (int)manifest["Version"]!);
        Assert.AreEqual("PdeRegression", (string)manifest["Kind"]!);
        Assert.AreEqual("Microsoft.ML.TempBalance.SciML.MLNet.PdeRegressionTransformer, Microsoft.ML.TempBalance.SciML", (string)manifest["Type"]!);
        // The model from before the split had no type; the re-saved one loads through it.
        Assert.IsNull(ReadManifest(PreSplitPdeModel)["Type"]);
        Assert.IsNotNull(ml.Model.LoadTorchModel(folder.File("resaved.zip"), out _));
    }

    [TestMethod]
    [DataRow("System.String, System.Private.CoreLib", "only types of Microsoft.ML.TempBalance")]
    [DataRow("System.Collections.Generic.List`1[[System.String, System.Private.CoreLib]], Microsoft.ML.TempBalance.Evil", "only types of Microsoft.ML.TempBalance")]
    [DataRow("Microsoft.ML.TempBalanceX.Transformer, Microsoft.ML.TempBalanceX", "only types of Microsoft.ML.TempBalance")]
    [DataRow("Microsoft.ML.TempBalance.Spectral.SpectralAnalyzer, Microsoft.ML.TempBalance", "is not one")]
    [DataRow("Microsoft.ML.TempBalance.Nope.Transformer, Microsoft.ML.TempBalance.Nope", "add a reference to the package Microsoft.ML.TempBalance.Nope")]
    public void AManifestNamingAnythingButATransformerOfThisLibraryIsRefused(string type, string expected)
    {
        using var folder = new TempFolder();
        string path = WithManifest(folder.File("model.zip"), m => m["Type"] = type);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext(seed: 1).Model.LoadTorchModel(path, out _));
        StringAssert.Contains(e.Message, expected);
        StringAssert.Contains(e.Message, path);
    }

    [TestMethod]
    public void AnUnknownKindWithoutATypeIsRefused()
    {
        using var folder = new TempFolder();
        string path = WithManifest(folder.File("model.zip"), m => m["Kind"] = "SomethingElse");
        var e = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext(seed: 1).Model.LoadTorchModel(path, out _));
        StringAssert.Contains(e.Message, "'SomethingElse'");
    }

    private static JsonObject ReadManifest(string zipPath)
    {
        using ZipArchive zip = ZipFile.OpenRead(zipPath);
        using Stream stream = zip.GetEntry("TempBalance/0/manifest.json")!.Open();
        return JsonNode.Parse(stream)!.AsObject();
    }

    private static string WithManifest(string path, Action<JsonObject> edit)
    {
        File.Copy(PreSplitPdeModel, path);
        JsonObject manifest = ReadManifest(path);
        edit(manifest);
        using ZipArchive zip = ZipFile.Open(path, ZipArchiveMode.Update);
        zip.GetEntry("TempBalance/0/manifest.json")!.Delete();
        using Stream stream = zip.CreateEntry("TempBalance/0/manifest.json").Open();
        JsonSerializer.Serialize(stream, manifest);
        return path;
    }
}
