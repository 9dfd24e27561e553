using System.Text;
using Microsoft.ML.TempBalance.Spectral;
using TorchSharp;
using TorchSharp.Modules;

namespace Microsoft.ML.TempBalance.Balancing;

/// <summary>
/// Which trainable parameter belongs to which balanced unit, and the optimizer parameter groups that follow:
/// one decay and one no-decay group per unit, then the parameters kept at the base rate (embeddings, heads,
/// excluded layers and anything not in a unit). Built from the model's structure only, so it never changes
/// during training; eligibility (enough eigenvalues, finite alpha) is decided at each analysis.
/// </summary>
public sealed class ParameterGrouping
{
    private readonly Dictionary<string, string?> _unitOfParameter;

    private ParameterGrouping(BalanceUnit mode, IReadOnlyList<BalancedUnit> units, IReadOnlyList<ParameterGroupPlan> groups, IReadOnlyList<LayerWeight> layers, Dictionary<string, string?> unitOfParameter)
    {
        Mode = mode;
        Units = units;
        Groups = groups;
        Layers = layers;
        _unitOfParameter = unitOfParameter;
    }

    /// <summary><see cref="BalanceUnit.Layer"/> or <see cref="BalanceUnit.Block"/> (Auto resolved).</summary>
    public BalanceUnit Mode { get; }

    /// <summary>The balanced units in module order.</summary>
    public IReadOnlyList<BalancedUnit> Units { get; }

    /// <summary>Optimizer parameter groups (empty groups are left out).</summary>
    public IReadOnlyList<ParameterGroupPlan> Groups { get; }

    internal IReadOnlyList<LayerWeight> Layers { get; }

    /// <summary>The unit a parameter is balanced with, or null when it stays at the base rate.</summary>
    /// <exception cref="KeyNotFoundException">The name is not a trainable parameter of the model.</exception>
    public string? UnitOf(string parameterName) =>
        _unitOfParameter.TryGetValue(parameterName, out string? unit)
            ? unit
            : throw new KeyNotFoundException($"'{parameterName}' is not a trainable parameter of the model.");

    /// <summary>
    /// Groups without balancing: one decay and one no-decay group at the base rate.
    /// </summary>
    public static ParameterGrouping Uniform(torch.nn.Module model) => Build(model, null);

    /// <summary>Groups for TempBalance with the given options.</summary>
    public static ParameterGrouping Create(torch.nn.Module model, TempBalanceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return Build(model, options);
    }

    private static ParameterGrouping Build(torch.nn.Module model, TempBalanceOptions? options)
    {
        ArgumentNullException.ThrowIfNull(model);
        IReadOnlyList<string> excluded = options?.ExcludedLayers ?? Array.Empty<string>();
        List<LayerWeight> layers = options is null
            ? new List<LayerWeight>()
            : LayerCollector.FromModule(model, options.Analyzer with { IncludeEmbeddings = false })
                .Where(l => !IsExcluded(l.Name, excluded))
                .ToList();
        if (layers.Any(l => l.Kind == LayerKind.LoraLinear))
        {
            // With LoRA only the adapted layers train; the reference scores only them (ESD of W + B·A).
            layers = layers.Where(l => l.Kind == LayerKind.LoraLinear).ToList();
        }

        BalanceUnit mode = options?.Unit ?? BalanceUnit.Layer;
        if (mode == BalanceUnit.Auto)
        {
            mode = layers.Any(l => l.Block is not null) ? BalanceUnit.Block : BalanceUnit.Layer;
        }

        if (mode == BalanceUnit.Block)
        {
            layers = layers.Where(l => l.Block is not null).ToList();
        }

        var unitNames = new HashSet<string>(layers.Select(l => UnitName(mode, l)), StringComparer.Ordinal);
        var assignments = new List<(string Name, Parameter Parameter, string? Unit, bool Decay)>();
        var seen = new HashSet<IntPtr>();
        string? lastLayerUnit = null;
        foreach ((string moduleName, torch.nn.Module module) in model.named_modules())
        {
            bool isNorm = module.GetType().Name.Contains("Norm", StringComparison.Ordinal);
            string? moduleUnit = null;
            if (mode == BalanceUnit.Layer)
            {
                moduleUnit = EnclosingUnit(moduleName, unitNames);
                if (moduleUnit == moduleName && moduleUnit is not null)
                {
                    lastLayerUnit = moduleUnit;
                }
                else if (moduleUnit is null && isNorm && options is { NormalizationFollowsLayer: true })
                {
                    moduleUnit = lastLayerUnit;
                }
            }

            foreach ((string local, Parameter parameter) in module.named_parameters(recurse: false))
            {
                if (!parameter.requires_grad || !seen.Add(parameter.Handle))
                {
                    continue;
                }

                string full = moduleName.Length == 0 ? local : $"{moduleName}.{local}";
                // A Fourier layer's spectral weights belong to the unit named after their module, like a Linear's.
                string? unit = mode == BalanceUnit.Block ? LayerNaming.BlockOf(full) : moduleUnit;

                if (unit is not null && (!unitNames.Contains(unit) || IsExcluded(full, excluded)))
                {
                    unit = null;
                }

                bool decay = !isNorm && parameter.dim() >= 2 && !local.EndsWith("bias", StringComparison.Ordinal);
                assignments.Add((full, parameter, unit, decay));
            }
        }

        var units = new List<BalancedUnit>();
        var groups = new List<ParameterGroupPlan>();
        foreach (string unit in layers.Select(l => UnitName(mode, l)).Distinct())
        {
            var members = assignments.Where(a => a.Unit == unit).ToList();
            units.Add(new BalancedUnit(unit, layers.Where(l => UnitName(mode, l) == unit).Select(l => l.Name).ToList(), members.Select(m => m.Name).ToList()));
            AddGroups(groups, unit, members);
        }

        AddGroups(groups, null, assignments.Where(a => a.Unit is null).ToList());
        var unitOf = assignments.ToDictionary(a => a.Name, a => a.Unit, StringComparer.Ordinal);
        return new ParameterGrouping(mode, units, groups, layers, unitOf);
    }

    private static void AddGroups(List<ParameterGroupPlan> groups, string? unit, List<(string Name, Parameter Parameter, string? Unit, bool Decay)> members)
    {
        foreach (bool decay in new[] { true, false })
        {
            var part = members.Where(m => m.Decay == decay).ToList();
            if (part.Count > 0)
            {
                string name = $"{unit ?? "base"} ({(decay ? "decay" : "no decay")})";
                groups.Add(new ParameterGroupPlan(name, unit, decay, part.Select(p => p.Name).ToList(), part.Select(p => p.Parameter).ToList()));
            }
        }
    }

    private static string UnitName(BalanceUnit mode, LayerWeight layer) => mode == BalanceUnit.Block ? layer.Block! : layer.Name;

    private static string? EnclosingUnit(string moduleName, HashSet<string> units)
    {
        for (string? candidate = moduleName; !string.IsNullOrEmpty(candidate); candidate = Parent(candidate))
        {
            if (units.Contains(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string? Parent(string name)
    {
        int dot = name.LastIndexOf('.');
        return dot < 0 ? null : name[..dot];
    }

    private static bool IsExcluded(string name, IReadOnlyList<string> prefixes) =>
        prefixes.Any(p => name == p || name.StartsWith(p + ".", StringComparison.Ordinal));

    /// <summary>A readable table: one line per group with its unit, decay status and parameters.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine($"{Units.Count} balanced unit(s) ({Mode}), {Groups.Count} optimizer group(s):");
        foreach (ParameterGroupPlan group in Groups)
        {
            long elements = group.Parameters.Sum(p => p.numel());
            text.AppendLine($"  {group.Name,-48} {group.ParameterNames.Count,4} tensors {elements,12:N0} values  {string.Join(", ", group.ParameterNames)}");
        }

        return text.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => Describe();
}
