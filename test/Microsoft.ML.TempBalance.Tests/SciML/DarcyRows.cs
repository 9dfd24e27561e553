using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.SciML;
using Microsoft.ML.TempBalance.SciML.Generators;

namespace Microsoft.ML.TempBalance.Tests.SciML;

/// <summary>Generated Darcy samples at 16 x 16 as ML.NET rows: a(x) in Features, u(x) in Label.</summary>
internal sealed class DarcyRow
{
    public const int N = 16;

    [VectorType(N * N)]
    public float[] Features { get; set; } = Array.Empty<float>();

    [VectorType(N * N)]
    public float[] Label { get; set; } = Array.Empty<float>();

    public static List<DarcyRow> Generate(int samples, int seed)
    {
        PdeDataset data = PdeGenerators.Darcy(samples, N, seed: seed);
        return Enumerable.Range(0, samples).Select(s => new DarcyRow
        {
            Features = data.Sample(s)[..(N * N)].ToArray(),
            Label = data.Sample(s)[(N * N)..].ToArray(),
        }).ToList();
    }
}
