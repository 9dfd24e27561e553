using Microsoft.AspNetCore.Builder;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.Samples.Serving;
using Microsoft.ML.TempBalance.Serving;
using Microsoft.ML.TempBalance.Tests.Text;
using Microsoft.ML.TempBalance.Text;

namespace Microsoft.ML.TempBalance.Tests.Reliability;

[TestClass]
public sealed class TorchPredictionPoolTests
{
    private static readonly string[] Texts = { "the film was great", "a terrible plot", "i love this movie", "boring story", "" };

    // A tiny classifier saved as the serving sample expects (label keys mapped back to names); seeds give different models.
    private static string SaveModel(TempFolder folder, string name, int seed)
    {
        string checkpoint = folder.File($"ckpt-{seed}");
        if (!Directory.Exists(checkpoint))
        {
            TinyBertFiles.Write(checkpoint, new TinyBertVariant { Labels = 0, Seed = seed });
        }

        var ml = new MLContext(seed: seed);
        IDataView train = ml.Data.LoadFromEnumerable(Texts.Select((t, i) => new TextRequestRow { Sentence1 = t, Label = i % 2 == 0 ? "pos" : "neg" }).ToList());
        var options = new EncoderTextClassificationTrainer.Options { Checkpoint = checkpoint, MaxEpochs = 1, BatchSize = 2, Seed = seed, NumberOfThreads = AssemblySetup.TorchThreads };
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.TextClassification(options))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel")).Fit(train);
        string path = folder.File(name);
        ml.Model.SaveTorchModel(model, train.Schema, path);
        foreach (IDisposable disposable in model.OfType<IDisposable>())
        {
            disposable.Dispose();
        }
        return path;
    }

    private sealed class OtherRow
    {
        public string Text { get; set; } = "";

        public string Label { get; set; } = "";
    }

    private static string SaveOtherColumnModel(TempFolder folder)
    {
        string checkpoint = folder.File("ckpt-other");
        TinyBertFiles.Write(checkpoint, new TinyBertVariant { Labels = 0 });
        var ml = new MLContext(seed: 3);
        IDataView train = ml.Data.LoadFromEnumerable(Texts.Select((t, i) => new OtherRow { Text = t, Label = i % 2 == 0 ? "pos" : "neg" }).ToList());
        var options = new EncoderTextClassificationTrainer.Options { Checkpoint = checkpoint, Sentence1ColumnName = "Text", MaxEpochs = 1, BatchSize = 2, Seed = 3, NumberOfThreads = AssemblySetup.TorchThreads };
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.TextClassification(options)).Fit(train);
        string path = folder.File("other-columns.zip");
        ml.Model.SaveTorchModel(model, train.Schema, path);
        model.LastTransformer.Dispose();
        return path;
    }

    // One prediction engine on the loaded file, single-threaded: the reference.
    private static float[][] Direct(string path)
    {
        var ml = new MLContext(seed: 0);
        ITransformer model = ml.Model.LoadTorchModel(path, out _);
        using var engine = ml.Model.CreatePredictionEngine<TextRequestRow, TextPrediction>(model);
        return Texts.Select(t => engine.Predict(new TextRequestRow { Sentence1 = t }).Score).ToArray();
    }

    [TestMethod]
    public void ThreadsShareThePoolAndGetWhatOneEngineGives()
    {
        using var folder = new TempFolder();
        string path = SaveModel(folder, "model.zip", 1);
        float[][] expected = Direct(path);
        using var pool = new TorchPredictionPool<TextRequestRow, TextPrediction>(new MLContext(seed: 0), path, watchForChanges: false);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            for (int round = 0; round < 10; round++)
            {
                for (int i = 0; i < Texts.Length; i++)
                {
                    if (!pool.Predict(new TextRequestRow { Sentence1 = Texts[i] }).Score.SequenceEqual(expected[i]))
                    {
                        failures.Add($"thread {t}, round {round}, text {i}");
                    }
                }
            }
        });
        Assert.IsEmpty(failures, string.Join("; ", failures.Take(5)));
        Assert.AreEqual(1, pool.Version);
    }

    [TestMethod]
    public void AReplacedFileIsServedAndABrokenOneIsNot()
    {
        using var folder = new TempFolder();
        string path = SaveModel(folder, "model.zip", 1);
        string other = SaveModel(folder, "other.zip", 2);
        float[][] first = Direct(path), second = Direct(other);
        Assert.IsFalse(first[0].SequenceEqual(second[0]), "the two models differ");
        using var pool = new TorchPredictionPool<TextRequestRow, TextPrediction>(new MLContext(seed: 0), path);
        using var reloaded = new SemaphoreSlim(0);
        pool.Reloaded += (_, _) => reloaded.Release();

        // Replace the file atomically, as SaveTorchModel does: the watcher reloads it.
        File.Copy(other, path + ".tmp");
        File.Move(path + ".tmp", path, overwrite: true);
        Assert.IsTrue(reloaded.Wait(TimeSpan.FromSeconds(20)), "no reload after the file was replaced");
        Assert.AreEqual(2, pool.Version);
        CollectionAssert.AreEqual(second[0], pool.Predict(new TextRequestRow { Sentence1 = Texts[0] }, out int version).Score);
        Assert.AreEqual(2, version);

        // A model that does not fit the row classes (its text column is 'Text'): refused before it replaces version 2.
        File.Copy(SaveOtherColumnModel(folder), path + ".tmp");
        File.Move(path + ".tmp", path, overwrite: true);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (pool.LastReloadError is null && waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            Thread.Sleep(50);
        }

        StringAssert.Contains(pool.LastReloadError?.Message ?? "", "does not fit");
        Assert.AreEqual(2, pool.Version);
        CollectionAssert.AreEqual(second[0], pool.Predict(new TextRequestRow { Sentence1 = Texts[0] }).Score);

        // A file that is not a model: the pool keeps serving version 2 and says why.
        File.WriteAllText(path + ".tmp", "not a model");
        File.Move(path + ".tmp", path, overwrite: true);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (pool.LastReloadError is null && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            Thread.Sleep(50);
        }

        Assert.IsInstanceOfType<InvalidDataException>(pool.LastReloadError);
        StringAssert.Contains(pool.LastReloadError.Message, path);
        Assert.AreEqual(2, pool.Version);
        CollectionAssert.AreEqual(second[1], pool.Predict(new TextRequestRow { Sentence1 = Texts[1] }).Score);
    }

    [TestMethod]
    public void TheServiceAnswersUnderLoadAcrossAReloadWithoutErrors()
    {
        // The serving sample's load test, short: 4 clients for 4 s, the model replaced after 2 s.
        using var folder = new TempFolder();
        string path = SaveModel(folder, "model.zip", 1);
        string other = SaveModel(folder, "other.zip", 2);
        int code = LoadTest.RunAsync(path, other, clients: 4, TimeSpan.FromSeconds(4)).GetAwaiter().GetResult();
        Assert.AreEqual(0, code, "errors, or the replacement was not served (see the test output)");
    }

    [TestMethod]
    public async Task BadRequestsGetA400WithAMessage()
    {
        using var folder = new TempFolder();
        string path = SaveModel(folder, "model.zip", 1);
        await using WebApplication app = ServingApp.Build(path, "http://127.0.0.1:0");
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        foreach (string body in new[] { "{", "{}", "{\"text\": \"\"}", "[1, 2]" })
        {
            using HttpResponseMessage response = await http.PostAsync("/predict", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            Assert.AreEqual(400, (int)response.StatusCode, body);
            StringAssert.Contains(await response.Content.ReadAsStringAsync(), "\"error\"", body);
        }

        using HttpResponseMessage ok = await http.PostAsync("/predict", new StringContent("{\"text\": \"a great film\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.AreEqual(200, (int)ok.StatusCode);
        string json = await ok.Content.ReadAsStringAsync();
        StringAssert.Contains(json, "\"probabilities\"");
        StringAssert.Contains(json, "\"modelVersion\":1");
        await app.StopAsync();
    }
}
