namespace Microsoft.ML.TempBalance.Text;

/// <summary>The encoder architectures a checkpoint can have (Hugging Face <c>model_type</c>).</summary>
public enum EncoderFamily
{
    /// <summary><c>roberta</c>: byte-level BPE, positions counted from padding_idx + 1, no pooler, a two-layer head.</summary>
    Roberta,

    /// <summary><c>bert</c>: WordPiece, positions from 0, token types for pairs, a tanh pooler on <c>[CLS]</c> feeding one Linear.</summary>
    Bert,
}
