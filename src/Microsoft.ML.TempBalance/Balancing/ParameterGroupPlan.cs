using TorchSharp.Modules;

namespace Microsoft.ML.TempBalance.Balancing;

/// <summary>
/// One optimizer parameter group: the parameters of one unit (or of the unbalanced rest) that share a weight-decay
/// status. Weights decay; biases, normalization parameters and other vectors do not (Hugging Face convention).
/// </summary>
public sealed class ParameterGroupPlan
{
    internal ParameterGroupPlan(string name, string? unit, bool decay, IReadOnlyList<string> parameterNames, IReadOnlyList<Parameter> parameters)
    {
        Name = name;
        Unit = unit;
        Decay = decay;
        ParameterNames = parameterNames;
        Parameters = parameters;
    }

    /// <summary>Group name, e.g. <c>encoder.layer.3 (decay)</c>.</summary>
    public string Name { get; }

    /// <summary>The balanced unit, or null for the parameters kept at the base rate.</summary>
    public string? Unit { get; }

    /// <summary>Whether weight decay applies to the group.</summary>
    public bool Decay { get; }

    /// <summary>Names of the group's parameters, in module order.</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    internal IReadOnlyList<Parameter> Parameters { get; }
}
