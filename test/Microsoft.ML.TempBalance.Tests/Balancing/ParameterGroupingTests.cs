using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Spectral;
using Microsoft.ML.TempBalance.Tests.Training;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Balancing;

[TestClass]
public sealed class ParameterGroupingTests
{
    internal static TempBalanceOptions TinyOptions(BalanceUnit unit = BalanceUnit.Auto) => new()
    {
        Unit = unit,
        Analyzer = new SpectralAnalyzerOptions { MinEigenvalues = 8, XminPosition = 2.0 },
        ExcludedLayers = new[] { "classifier" },
    };

    [TestMethod]
    public void TransformerBlocksTakeEveryParameterOfTheEncoderLayer()
    {
        torch.manual_seed(1);
        using var model = new TinyTransformer(vocabulary: 20, hidden: 16, ffn: 32, layers: 2, labels: 2);
        ParameterGrouping grouping = ParameterGrouping.Create(model, TinyOptions());

        Assert.AreEqual(BalanceUnit.Block, grouping.Mode);
        CollectionAssert.AreEqual(new[] { "encoder.layer.0", "encoder.layer.1" }, grouping.Units.Select(u => u.Name).ToArray());
        BalancedUnit first = grouping.Units[0];
        CollectionAssert.AreEquivalent(
            new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense", "intermediate.dense", "output.dense" }
                .Select(n => "encoder.layer.0." + n).ToArray(),
            first.Layers.ToArray());
        Assert.HasCount(16, first.Parameters, "6 weights, 6 biases, 2 LayerNorms x (weight, bias)");
        Assert.AreEqual("encoder.layer.1", grouping.UnitOf("encoder.layer.1.output.LayerNorm.bias"));
        Assert.IsNull(grouping.UnitOf("embeddings.word_embeddings.weight"));
        Assert.IsNull(grouping.UnitOf("embeddings.LayerNorm.weight"));
        Assert.IsNull(grouping.UnitOf("classifier.out_proj.weight"));
        Assert.ThrowsExactly<KeyNotFoundException>(() => grouping.UnitOf("nope.weight"));

        ParameterGroupPlan decay = grouping.Groups.Single(g => g.Name == "encoder.layer.0 (decay)");
        Assert.IsTrue(decay.Decay);
        Assert.HasCount(6, decay.ParameterNames);
        Assert.IsTrue(decay.ParameterNames.All(n => n.EndsWith(".weight", StringComparison.Ordinal) && !n.Contains("LayerNorm", StringComparison.Ordinal)));
        ParameterGroupPlan noDecay = grouping.Groups.Single(g => g.Name == "encoder.layer.0 (no decay)");
        Assert.HasCount(10, noDecay.ParameterNames);
        ParameterGroupPlan baseDecay = grouping.Groups.Single(g => g.Name == "base (decay)");
        CollectionAssert.AreEquivalent(new[] { "embeddings.word_embeddings.weight", "classifier.dense.weight", "classifier.out_proj.weight" }, baseDecay.ParameterNames.ToArray());

        int total = model.parameters().Count();
        Assert.AreEqual(total, grouping.Groups.Sum(g => g.ParameterNames.Count), "every trainable parameter is in exactly one group");
        StringAssert.Contains(grouping.Describe(), "encoder.layer.1 (no decay)");
    }

    [TestMethod]
    public void LayerModeGivesEachLayerItsUnitAndNormsFollowThePrecedingLayer()
    {
        using var model = new TinyMlp(16, 16, 2);
        ParameterGrouping grouping = ParameterGrouping.Create(model, TinyOptions());

        Assert.AreEqual(BalanceUnit.Layer, grouping.Mode);
        CollectionAssert.AreEqual(new[] { "fc0", "fc1", "fc2" }, grouping.Units.Select(u => u.Name).ToArray());
        Assert.AreEqual("fc0", grouping.UnitOf("norm0.weight"));
        Assert.AreEqual("fc0", grouping.UnitOf("fc0.bias"));
        Assert.AreEqual("fc2", grouping.UnitOf("fc2.weight"));

        ParameterGrouping noFollow = ParameterGrouping.Create(model, TinyOptions() with { NormalizationFollowsLayer = false });
        Assert.IsNull(noFollow.UnitOf("norm0.weight"));

        ParameterGrouping excluded = ParameterGrouping.Create(model, TinyOptions() with { ExcludedLayers = new[] { "fc2" } });
        CollectionAssert.AreEqual(new[] { "fc0", "fc1" }, excluded.Units.Select(u => u.Name).ToArray());
        Assert.IsNull(excluded.UnitOf("fc2.bias"));
    }

    [TestMethod]
    public void UniformGroupingSplitsDecayFromNoDecay()
    {
        using var model = new TinyMlp(4, 8, 1);
        ParameterGrouping grouping = ParameterGrouping.Uniform(model);
        Assert.IsEmpty(grouping.Units);
        CollectionAssert.AreEqual(new[] { "base (decay)", "base (no decay)" }, grouping.Groups.Select(g => g.Name).ToArray());
        CollectionAssert.AreEquivalent(new[] { "fc0.weight", "fc1.weight", "fc2.weight" }, grouping.Groups[0].ParameterNames.ToArray());
    }

    [TestMethod]
    public void FrozenParametersAreLeftOut()
    {
        using var model = new TinyMlp(4, 8, 1);
        foreach ((string name, TorchSharp.Modules.Parameter p) in model.named_parameters())
        {
            if (name.StartsWith("fc0", StringComparison.Ordinal))
            {
                p.requires_grad = false;
            }
        }

        ParameterGrouping grouping = ParameterGrouping.Uniform(model);
        Assert.IsFalse(grouping.Groups.SelectMany(g => g.ParameterNames).Any(n => n.StartsWith("fc0", StringComparison.Ordinal)));
    }
}
