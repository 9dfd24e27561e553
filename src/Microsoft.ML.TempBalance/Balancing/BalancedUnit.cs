namespace Microsoft.ML.TempBalance.Balancing;

/// <summary>One unit that gets its own learning rate: a layer or a block.</summary>
/// <param name="Name">Layer or block name, e.g. <c>encoder.layer.3</c>.</param>
/// <param name="Layers">Analysed layers whose scores make the unit's score.</param>
/// <param name="Parameters">Trainable parameters that get the unit's rate.</param>
public sealed record BalancedUnit(string Name, IReadOnlyList<string> Layers, IReadOnlyList<string> Parameters);
