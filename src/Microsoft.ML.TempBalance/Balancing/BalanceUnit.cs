namespace Microsoft.ML.TempBalance.Balancing;

/// <summary>What one learning rate is shared by.</summary>
public enum BalanceUnit
{
    /// <summary><see cref="Block"/> when the model has transformer blocks, otherwise <see cref="Layer"/>.</summary>
    Auto,

    /// <summary>Each analysed layer (its weight and bias; a normalization layer follows the layer before it).</summary>
    Layer,

    /// <summary>
    /// Each block (e.g. one encoder layer <c>encoder.layer.3</c>): score = mean over its eligible layers, and every
    /// parameter of the block, LayerNorms included, gets the block's rate (the paper's transformer mode).
    /// </summary>
    Block,
}
