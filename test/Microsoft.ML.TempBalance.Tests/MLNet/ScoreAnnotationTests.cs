using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.MLNet;
using Microsoft.ML.TempBalance.Tests.Text;
using Microsoft.ML.TempBalance.Text;

namespace Microsoft.ML.TempBalance.Tests.MLNet;

/// <summary>Our output columns carry the annotations ML.NET's own trainers write, compared with a real ML.NET trainer's.</summary>
[TestClass]
public sealed class ScoreAnnotationTests
{
    private sealed class Row
    {
        [VectorType(2)]
        public float[] Features { get; set; } = Array.Empty<float>();

        public string Label { get; set; } = "";

        public float Value { get; set; }

        public string Sentence1 { get; set; } = "";
    }

    private static IDataView Data(MLContext ml) => ml.Data.LoadFromEnumerable(Enumerable.Range(0, 12).Select(i => new Row
    {
        Features = new float[] { i % 2, i % 3 }, Label = i % 2 == 0 ? "neg" : "pos", Value = i, Sentence1 = i % 2 == 0 ? "the bad film" : "a good movie",
    }).ToList());

    private static Dictionary<string, string> Describe(DataViewSchema.Column column)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DataViewSchema.Column annotation in column.Annotations.Schema)
        {
            string value = annotation.Type switch
            {
                TextDataViewType => Get<ReadOnlyMemory<char>>(column, annotation.Name).ToString(),
                KeyDataViewType => Get<uint>(column, annotation.Name).ToString(System.Globalization.CultureInfo.InvariantCulture),
                VectorDataViewType => string.Join(",", Get<VBuffer<ReadOnlyMemory<char>>>(column, annotation.Name).DenseValues()),
                _ => "?",
            };
            result[annotation.Name] = $"{annotation.Type}: {value}";
        }

        return result;
    }

    private static T Get<T>(DataViewSchema.Column column, string name)
    {
        T value = default!;
        column.Annotations.GetValue(name, ref value);
        return value;
    }

    [TestMethod]
    public void ClassifierOutputsCarryTheAnnotationsOfMlNetsMulticlassTrainers()
    {
        using var folder = new TempFolder();
        TinyBertFiles.Write(folder.Path, new TinyBertVariant { Labels = 2 });
        using TextTransformer ours = TextTransformer.FromCheckpoint(TextCheckpoint.Load(folder.Path), 24);
        var ml = new MLContext(seed: 1);
        IDataView data = Data(ml);
        // ML.NET's reference: a multiclass trainer over the same label names.
        ITransformer theirs = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy()).Fit(data);
        DataViewSchema reference = theirs.GetOutputSchema(data.Schema);
        DataViewSchema schema = ours.GetOutputSchema(data.Schema);
        foreach (string column in new[] { "Score", "PredictedLabel" })
        {
            CollectionAssert.AreEquivalent(Describe(reference[column]).ToList(), Describe(schema[column]).ToList(), column);
        }

        Assert.AreEqual("Key<UInt32, 0-2147483646>: 1", Describe(schema["Score"])["ScoreColumnSetId"]);

        // After another model's outputs, our set gets the next id (2), as a second ML.NET model's would.
        DataViewSchema chained = ours.GetOutputSchema(reference);
        Assert.AreEqual("Key<UInt32, 0-2147483646>: 2", Describe(chained["Score"])["ScoreColumnSetId"]);
        Assert.AreEqual("Key<UInt32, 0-2147483646>: 2", Describe(chained["PredictedLabel"])["ScoreColumnSetId"]);
        Assert.AreEqual(chained["Score"].Index, ours.Transform(theirs.Transform(data)).Schema["Score"].Index, "Transform and GetOutputSchema agree");
        MulticlassClassificationMetrics metrics = ml.MulticlassClassification.Evaluate(ours.Transform(theirs.Transform(data)));
        Assert.IsTrue(metrics.MicroAccuracy is >= 0 and <= 1);
    }

    [TestMethod]
    public void TheEstimatorsDeclareTheSameOutputShapesAsMlNetsTrainers()
    {
        var ml = new MLContext(seed: 1);
        var input = new SchemaShape(new[]
        {
            SchemaShapes.Scalar("Label", TextDataViewType.Instance),
            SchemaShapes.Scalar("Value", NumberDataViewType.Single),
            SchemaShapes.Scalar("Sentence1", TextDataViewType.Instance),
            SchemaShapes.Scalar("Sentence2", TextDataViewType.Instance),
            SchemaShapes.Vector("Features", NumberDataViewType.Single, slotNames: false),
        });
        SchemaShape keyed = ml.Transforms.Conversion.MapValueToKey("Label").GetOutputSchema(input);
        SchemaShape theirs = ml.MulticlassClassification.Trainers.SdcaMaximumEntropy().GetOutputSchema(keyed);
        SchemaShape ours = ml.MulticlassClassification.Trainers.TextClassification(new EncoderTextClassificationTrainer.Options { Checkpoint = "unused" }).GetOutputSchema(keyed);
        foreach (string column in new[] { "Score", "PredictedLabel" })
        {
            SchemaShape.Column a = SchemaShapes.Find(theirs, column)!.Value, b = SchemaShapes.Find(ours, column)!.Value;
            Assert.AreEqual((a.Kind, a.ItemType, a.IsKey), (b.Kind, b.ItemType, b.IsKey), column);
            CollectionAssert.AreEquivalent(a.Annotations.Select(x => x.Name).ToList(), b.Annotations.Select(x => x.Name).ToList(), column);
        }

        SchemaShape.Column regression = SchemaShapes.Find(ml.Regression.Trainers.Sdca(labelColumnName: "Value").GetOutputSchema(input), "Score")!.Value;
        SchemaShape.Column similarity = SchemaShapes.Find(ml.Regression.Trainers.SentenceSimilarity(new EncoderSentenceSimilarityTrainer.Options { Checkpoint = "unused", LabelColumnName = "Value" }).GetOutputSchema(input), "Score")!.Value;
        CollectionAssert.AreEquivalent(regression.Annotations.Select(x => x.Name).ToList(), similarity.Annotations.Select(x => x.Name).ToList());
    }

    [TestMethod]
    public void SimilarityOutputCarriesTheAnnotationsOfMlNetsRegressionTrainers()
    {
        using var folder = new TempFolder();
        TinyBertFiles.Write(folder.Path, new TinyBertVariant { Labels = 0 });
        using TextTransformer ours = TextTransformer.FromCheckpoint(TextCheckpoint.Load(folder.Path, new[] { "score" }), 24);
        var ml = new MLContext(seed: 1);
        IDataView data = Data(ml);
        ITransformer theirs = ml.Regression.Trainers.Sdca(labelColumnName: "Value").Fit(data);
        CollectionAssert.AreEquivalent(Describe(theirs.GetOutputSchema(data.Schema)["Score"]).ToList(), Describe(ours.GetOutputSchema(data.Schema)["Score"]).ToList());
    }

    [TestMethod]
    public void TheSimilarityTrainerRefusesANonSingleLabelAlreadyAtGetOutputSchema()
    {
        var ml = new MLContext(seed: 1);
        var shape = new SchemaShape(new[]
        {
            SchemaShapes.Scalar("Label", NumberDataViewType.Double),
            SchemaShapes.Scalar("Sentence1", TextDataViewType.Instance),
            SchemaShapes.Scalar("Sentence2", TextDataViewType.Instance),
        });
        EncoderSentenceSimilarityTrainer trainer = ml.Regression.Trainers.SentenceSimilarity(new EncoderSentenceSimilarityTrainer.Options { Checkpoint = "unused" });
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(shape));
        StringAssert.Contains(error.Message, "Single column 'Label'");
    }
}
