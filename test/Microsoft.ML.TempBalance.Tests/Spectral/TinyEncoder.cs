using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Spectral;

/// <summary>The weights of a tiny RoBERTa-shaped encoder, named as in Hugging Face checkpoints.</summary>
internal static class TinyEncoder
{
    /// <summary>The six Linear layers of an encoder block, in checkpoint naming.</summary>
    public static readonly string[] BlockLinears =
        { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense", "intermediate.dense", "output.dense" };

    /// <summary>Adds <paramref name="layers"/> blocks (weights and biases) to <paramref name="tensors"/>.</summary>
    public static void AddBlocks(Dictionary<string, torch.Tensor> tensors, int layers, long hidden, long ffn)
    {
        for (int layer = 0; layer < layers; layer++)
        {
            foreach (string name in BlockLinears)
            {
                long rows = name == "intermediate.dense" ? ffn : hidden;
                long cols = name == "output.dense" ? ffn : hidden;
                tensors[$"roberta.encoder.layer.{layer}.{name}.weight"] = torch.randn(rows, cols);
                tensors[$"roberta.encoder.layer.{layer}.{name}.bias"] = torch.zeros(rows);
            }

            tensors[$"roberta.encoder.layer.{layer}.output.LayerNorm.weight"] = torch.ones(hidden);
        }
    }
}
