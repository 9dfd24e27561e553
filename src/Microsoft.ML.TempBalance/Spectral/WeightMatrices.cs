using Microsoft.ML.TempBalance.Runtime;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Spectral;

/// <summary>
/// Turns layer weights into batches of matrices [B, m, n] whose pooled squared singular values form the layer's
/// ESD (spec section 1.2). Every method returns a new tensor; the input is not modified.
/// </summary>
public static class WeightMatrices
{
    /// <summary>The reference code's scale for convolution ESDs: eigenvalues are multiplied by 0.5.</summary>
    public const double DefaultConvNormalization = 0.5;

    /// <summary>A dense weight as a batch of one matrix.</summary>
    public static torch.Tensor Linear(torch.Tensor weight)
    {
        RequireRank(weight, 2, "Linear");
        return weight.unsqueeze(0);
    }

    /// <summary>
    /// A convolution weight (out, in, k...) or transposed-convolution weight (in, out, k...) as one matrix per
    /// kernel position. The reference scales each slice by sqrt(0.5); the analyzer applies that factor to the
    /// eigenvalues instead (identical in exact arithmetic, and free of float32 rounding).
    /// </summary>
    public static torch.Tensor Convolution(torch.Tensor weight)
    {
        if (weight.dim() < 3)
        {
            throw new ArgumentException($"A convolution weight has at least 3 dimensions, got [{string.Join(", ", weight.shape)}].", nameof(weight));
        }

        return weight.flatten(2).permute(2, 0, 1);
    }

    /// <summary>
    /// W + s·B·A for a LoRA-adapted Linear layer: <paramref name="loraA"/> is (r, in), <paramref name="loraB"/>
    /// is (out, r). <paramref name="scale"/> is 1 for the reference ESD, alpha/r for the inference weight.
    /// </summary>
    public static torch.Tensor LoraMerged(torch.Tensor weight, torch.Tensor loraA, torch.Tensor loraB, double scale = 1.0)
    {
        RequireRank(weight, 2, "LoRA base");
        RequireRank(loraA, 2, "lora_A");
        RequireRank(loraB, 2, "lora_B");
        if (loraB.shape[0] != weight.shape[0] || loraA.shape[1] != weight.shape[1] || loraB.shape[1] != loraA.shape[0])
        {
            throw new ArgumentException(
                $"LoRA shapes do not fit: W [{string.Join(", ", weight.shape)}], A [{string.Join(", ", loraA.shape)}], B [{string.Join(", ", loraB.shape)}]; expected A (r, in) and B (out, r).");
        }

        using var scope = torch.NewDisposeScope();
        torch.ScalarType type = weight.dtype;
        // The analysis runs on its own thread during training, outside the engine's no-GC regions: stable scalars only.
        torch.Tensor merged = weight.add(loraB.to(type).matmul(loraA.to(type)).mul(StableScalars.Of(scale)), StableScalars.One);
        return merged.unsqueeze(0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A Fourier layer's spectral weight (in, out, m1[, m2]) as complex, or stored as real pairs
    /// (in, out, m1[, m2], 2): one complex in x out matrix per retained mode.
    /// </summary>
    public static torch.Tensor Fourier(torch.Tensor weight)
    {
        using var scope = torch.NewDisposeScope();
        torch.Tensor complex = weight.is_complex()
            ? weight
            : weight.shape[^1] == 2 && weight.dim() >= 4
                ? torch.view_as_complex(weight.to(torch.float32).contiguous())
                : throw new ArgumentException(
                    $"A Fourier spectral weight is complex (in, out, modes...) or real with a trailing 2, got [{string.Join(", ", weight.shape)}] {weight.dtype}.", nameof(weight));
        if (complex.dim() < 3)
        {
            throw new ArgumentException($"A Fourier spectral weight has at least one mode dimension, got [{string.Join(", ", complex.shape)}].", nameof(weight));
        }

        torch.Tensor matrices = complex.flatten(2).permute(2, 0, 1);
        return matrices.MoveToOuterDisposeScope();
    }

    private static void RequireRank(torch.Tensor tensor, int rank, string what)
    {
        if (tensor.dim() != rank)
        {
            throw new ArgumentException($"A {what} weight has {rank} dimensions, got [{string.Join(", ", tensor.shape)}].");
        }
    }
}
