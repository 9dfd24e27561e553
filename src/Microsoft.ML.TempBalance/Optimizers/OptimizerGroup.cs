using TorchSharp.Modules;

namespace Microsoft.ML.TempBalance.Optimizers;

/// <summary>
/// A parameter group as the optimizers of this library see it: its parameters and a learning rate and weight
/// decay that the schedulers set before every step.
/// </summary>
public sealed class OptimizerGroup
{
    /// <summary>Creates a group.</summary>
    /// <param name="name">Name for logs (e.g. the unit and decay status).</param>
    /// <param name="parameters">The parameters (at least one).</param>
    /// <param name="learningRate">Initial learning rate.</param>
    /// <param name="weightDecay">Weight decay of the group (0 for biases and norms).</param>
    public OptimizerGroup(string name, IReadOnlyList<Parameter> parameters, double learningRate, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count == 0)
        {
            throw new ArgumentException($"Optimizer group '{name}' has no parameters.", nameof(parameters));
        }

        Name = name;
        Parameters = parameters;
        LearningRate = learningRate;
        BaseWeightDecay = weightDecay;
        WeightDecay = weightDecay;
    }

    /// <summary>Name for logs.</summary>
    public string Name { get; }

    /// <summary>The group's parameters.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Learning rate of the next step.</summary>
    public double LearningRate
    {
        get => _learningRate;
        set => _learningRate = value >= 0 && double.IsFinite(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(LearningRate), value, $"Group '{Name}': the learning rate must be a non-negative finite number.");
    }

    /// <summary>Weight decay of the next step.</summary>
    public double WeightDecay
    {
        get => _weightDecay;
        set => _weightDecay = value >= 0 && double.IsFinite(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(WeightDecay), value, $"Group '{Name}': the weight decay must be a non-negative finite number.");
    }

    /// <summary>The configured weight decay (what <see cref="WeightDecay"/> is reset to when not balanced).</summary>
    public double BaseWeightDecay { get; }

    private double _learningRate;
    private double _weightDecay;
}
