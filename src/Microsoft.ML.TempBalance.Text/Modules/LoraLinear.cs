using Microsoft.ML.TempBalance.Spectral;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Microsoft.ML.TempBalance.Runtime;

namespace Microsoft.ML.TempBalance.Text.Modules;

/// <summary>
/// A Linear layer with a LoRA adapter: y = x Wᵀ + b + scaling·(dropout(x) Aᵀ) Bᵀ. The frozen base keeps the Linear's
/// parameter names (<c>weight</c>, <c>bias</c>) so base checkpoints load unchanged; the adapter is <c>lora_A</c>
/// [r, in] and <c>lora_B</c> [out, r] (PEFT's <c>lora_A.weight</c> / <c>lora_B.weight</c>).
/// </summary>
internal sealed class LoraLinear : nn.Module<Tensor, Tensor>, ILoraAdapted
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly Parameter lora_A;
    private readonly Parameter lora_B;
    private readonly Dropout dropout;

    public LoraLinear(long inputs, long outputs, LoraOptions options)
        : base(nameof(LoraLinear))
    {
        using Linear template = nn.Linear(inputs, outputs);
        weight = new Parameter(template.weight!.detach().clone(), requires_grad: false);
        bias = new Parameter(template.bias!.detach().clone(), requires_grad: false);
        lora_A = new Parameter(empty(options.Rank, inputs));
        lora_B = new Parameter(zeros(outputs, options.Rank));
        dropout = nn.Dropout(options.Dropout);
        Scaling = options.Scaling;
        RegisterComponents();
        ResetAdapter(null);
    }

    public double Scaling { get; }

    public Tensor BaseWeight => weight;

    public Tensor LoraA => lora_A;

    public Tensor LoraB => lora_B;

    /// <summary>PEFT's initialisation: A as PyTorch's Linear (kaiming uniform, a = √5), B = 0.</summary>
    public void ResetAdapter(Generator? generator)
    {
        using var noGrad = no_grad();
        double bound = 1.0 / Math.Sqrt(lora_A.shape[1]);
        using Tensor values = rand(lora_A.shape, generator: generator).mul_(2 * bound).sub_(bound);
        lora_A.copy_(values);
        lora_B.zero_();
    }

    /// <summary>W + scaling·B A (float32).</summary>
    public Tensor MergedWeight()
    {
        using var noGrad = no_grad();
        return weight.add(lora_B.matmul(lora_A), alpha: Scaling);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor adapted = dropout.forward(x).matmul(lora_A.t()).matmul(lora_B.t()).mul(StableScalars.Of(Scaling));
        return nn.functional.linear(x, weight, bias).add(adapted, StableScalars.One).MoveToOuterDisposeScope();
    }
}
