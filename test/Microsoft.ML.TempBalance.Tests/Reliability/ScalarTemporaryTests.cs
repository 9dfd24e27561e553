using System.Reflection;
using Microsoft.ML.TempBalance.Runtime;
using Microsoft.ML.TempBalance.Text;
using Microsoft.ML.TempBalance.SciML.Training;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Reliability;

/// <summary>
/// TorchSharp 0.107 frees a temporary <see cref="Scalar"/> under a running kernel when a collection finalizes it (README,
/// "Known platform defects"). Scoring and TempBalance's background analysis run outside the training engine's no-GC
/// regions, so no code on those paths may make one: this test follows the IL of every scoring entry point, module forward
/// pass and the spectral analysis, through the library and into TorchSharp's managed code, and lists each place that
/// converts a number to a Scalar it does not keep.
/// </summary>
[TestClass]
public sealed class ScalarTemporaryTests
{
    // The core and both areas: every assembly with modules, scorers or the analysis.
    private static readonly Assembly[] Libraries = [typeof(TorchRuntime).Assembly, typeof(TextScorer).Assembly, typeof(PdeSolver).Assembly];
    private static readonly Assembly Torch = typeof(torch).Assembly;

    [TestMethod]
    public void ScoringAndAnalysisPathsMakeNoTemporaryScalars()
    {
        var roots = new List<MethodBase>();
        var modules = Libraries.SelectMany(l => l.GetTypes()).Where(t => typeof(torch.nn.Module).IsAssignableFrom(t) && !t.IsAbstract).ToList();
        foreach (Type module in modules)
        {
            roots.AddRange(Forwards(module));
            // The TorchSharp modules ours hold (Linear, LayerNorm, Conv2d, ...): their forward runs too.
            foreach (FieldInfo field in module.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                if (typeof(torch.nn.Module).IsAssignableFrom(field.FieldType) && field.FieldType.Assembly == Torch && !field.FieldType.IsAbstract)
                {
                    roots.AddRange(Forwards(field.FieldType));
                }
            }
        }

        // Every scorer behind Transform and prediction engines (text, PDE), and the CLI's direct route.
        Type batchScorer = typeof(Microsoft.ML.TempBalance.MLNet.BatchScorer);
        foreach (Type scorer in Libraries.SelectMany(l => l.GetTypes()).Where(t => batchScorer.IsAssignableFrom(t) && !t.IsAbstract))
        {
            roots.AddRange(scorer.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly));
        }

        roots.Add(typeof(TextScorer).GetMethod("Predict")!);
        roots.Add(typeof(PdeSolver).GetMethod(nameof(PdeSolver.Predict))!);
        roots.AddRange(typeof(Microsoft.ML.TempBalance.Spectral.SpectralAnalyzer).GetMethods().Where(m => m.Name == "Analyze"));
        Assert.IsGreaterThan(20, roots.Count);
        // Both areas' modules are among the roots (a narrowed scan would pass vacuously).
        Assert.IsTrue(roots.Any(m => m.DeclaringType == typeof(Microsoft.ML.TempBalance.Text.Modules.EncoderLayer)), "no text module forward");
        Assert.IsTrue(roots.Any(m => m.DeclaringType == typeof(Microsoft.ML.TempBalance.SciML.Models.SpectralConv2d)), "no SciML module forward");

        var offenders = new SortedSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<MethodBase>();
        foreach (MethodBase root in roots)
        {
            if (root.DeclaringType?.Assembly == Torch)
            {
                if (TorchMakesScalar(root, new HashSet<MethodBase>()))
                {
                    offenders.Add($"{Describe(root)} (TorchSharp's module)");
                }

                continue;
            }

            Walk(root, seen, offenders);
        }

        Assert.IsEmpty(offenders, "Temporary scalars on scoring and analysis paths (caller -> what makes the scalar):\n" + string.Join("\n", offenders));
    }

    private static IEnumerable<MethodBase> Forwards(Type type) =>
        type.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Where(m => m.Name == "forward" && !m.IsAbstract && m.DeclaringType!.Assembly == type.Assembly);

    // Library code: every call site that makes a scalar, directly or through TorchSharp.
    private static void Walk(MethodBase method, HashSet<MethodBase> seen, SortedSet<string> offenders)
    {
        if (!seen.Add(method) || method.DeclaringType?.Name == "StableScalars")
        {
            return;
        }

        foreach (MethodBase callee in IlCalls.Of(method))
        {
            Assembly? assembly = callee.DeclaringType?.Assembly;
            if (MakesScalar(callee) || assembly == Torch && !callee.IsAbstract && TorchMakesScalar(callee, new HashSet<MethodBase>()))
            {
                offenders.Add($"{Describe(method)} -> {Describe(callee)}");
            }
            else if (Libraries.Contains(assembly) && !callee.IsAbstract)
            {
                Walk(callee, seen, offenders);
            }
        }
    }

    // TorchSharp code: whether it makes a scalar itself or through its own callees.
    private static bool TorchMakesScalar(MethodBase method, HashSet<MethodBase> visiting)
    {
        if (Memo.TryGetValue(method, out bool known))
        {
            return known;
        }

        if (!visiting.Add(method) || visiting.Count > 12)
        {
            return false;
        }

        bool makes = IlCalls.Of(method).Any(c => MakesScalar(c) || c.DeclaringType?.Assembly == Torch && !c.IsAbstract && TorchMakesScalar(c, visiting));
        visiting.Remove(method);
        Memo[method] = makes;
        return makes;
    }

    private static readonly Dictionary<MethodBase, bool> Memo = new();

    private static bool MakesScalar(MethodBase callee) =>
        callee.DeclaringType == typeof(Scalar) && callee.Name == "op_Implicit"
        || callee.DeclaringType?.Name == "ScalarExtensionMethods" && callee.Name.StartsWith("To", StringComparison.Ordinal) && callee.Name.EndsWith("Scalar", StringComparison.Ordinal);

    private static string Describe(MethodBase method) =>
        $"{method.DeclaringType?.Name}.{method.Name}({string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name))})";
}
