using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TempBalance.Benchmarks;

/// <summary>
/// A RoBERTa-base-shaped sequence classifier for timing only (random weights, Hugging Face module names):
/// embeddings (50265 x 768, positions 514), 12 post-LayerNorm blocks with 12-head attention and a 3072 GELU
/// feed-forward, dropout 0.1, and the dense + tanh + out_proj head on the first token.
/// </summary>
internal sealed class RobertaShapedClassifier : nn.Module<Tensor, Tensor>
{
    private readonly Embeddings embeddings;
    private readonly Encoder encoder;
    private readonly Head classifier;

    public RobertaShapedClassifier(int labels = 2, int hidden = 768, int ffn = 3072, int layers = 12, int heads = 12)
        : base(nameof(RobertaShapedClassifier))
    {
        embeddings = new Embeddings(hidden);
        encoder = new Encoder(hidden, ffn, layers, heads);
        classifier = new Head(hidden, labels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        Tensor states = encoder.forward(embeddings.forward(tokens));
        return classifier.forward(states[.., 0]).MoveToOuterDisposeScope();
    }

    private sealed class Embeddings : nn.Module<Tensor, Tensor>
    {
        private readonly Embedding word_embeddings;
        private readonly Embedding position_embeddings;
        private readonly LayerNorm LayerNorm;
        private readonly Dropout dropout = nn.Dropout(0.1);

        public Embeddings(int hidden)
            : base(nameof(Embeddings))
        {
            word_embeddings = nn.Embedding(50265, hidden);
            position_embeddings = nn.Embedding(514, hidden);
            LayerNorm = nn.LayerNorm(hidden, 1e-5);
            RegisterComponents();
        }

        public override Tensor forward(Tensor tokens)
        {
            Tensor positions = arange(2, tokens.shape[1] + 2, dtype: int64).unsqueeze(0);
            return dropout.forward(LayerNorm.forward(word_embeddings.forward(tokens) + position_embeddings.forward(positions)));
        }
    }

    private sealed class Encoder : nn.Module<Tensor, Tensor>
    {
        private readonly ModuleList<Block> layer;

        public Encoder(int hidden, int ffn, int layers, int heads)
            : base(nameof(Encoder))
        {
            layer = new ModuleList<Block>(Enumerable.Range(0, layers).Select(_ => new Block(hidden, ffn, heads)).ToArray());
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            foreach (Block block in layer)
            {
                x = block.forward(x);
            }

            return x;
        }
    }

    private sealed class Block : nn.Module<Tensor, Tensor>
    {
        private readonly Attention attention;
        private readonly Intermediate intermediate;
        private readonly Output output;

        public Block(int hidden, int ffn, int heads)
            : base(nameof(Block))
        {
            attention = new Attention(hidden, heads);
            intermediate = new Intermediate(hidden, ffn);
            output = new Output(ffn, hidden);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            Tensor attended = attention.forward(x);
            return output.forward(intermediate.forward(attended), attended);
        }
    }

    private sealed class Attention : nn.Module<Tensor, Tensor>
    {
        private readonly SelfAttention self;
        private readonly Output output;

        public Attention(int hidden, int heads)
            : base(nameof(Attention))
        {
            self = new SelfAttention(hidden, heads);
            output = new Output(hidden, hidden);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => output.forward(self.forward(x), x);
    }

    private sealed class SelfAttention : nn.Module<Tensor, Tensor>
    {
        private readonly Linear query;
        private readonly Linear key;
        private readonly Linear value;
        private readonly Dropout dropout = nn.Dropout(0.1);
        private readonly int _heads;

        public SelfAttention(int hidden, int heads)
            : base(nameof(SelfAttention))
        {
            query = nn.Linear(hidden, hidden);
            key = nn.Linear(hidden, hidden);
            value = nn.Linear(hidden, hidden);
            _heads = heads;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            long batch = x.shape[0], length = x.shape[1], hidden = x.shape[2], size = hidden / _heads;
            Tensor Split(Tensor t) => t.view(batch, length, _heads, size).transpose(1, 2);
            Tensor scores = Split(query.forward(x)).matmul(Split(key.forward(x)).transpose(2, 3)) / Math.Sqrt(size);
            Tensor context = dropout.forward(scores.softmax(-1)).matmul(Split(value.forward(x)));
            return context.transpose(1, 2).reshape(batch, length, hidden);
        }
    }

    private sealed class Intermediate : nn.Module<Tensor, Tensor>
    {
        private readonly Linear dense;

        public Intermediate(int hidden, int ffn)
            : base(nameof(Intermediate))
        {
            dense = nn.Linear(hidden, ffn);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => nn.functional.gelu(dense.forward(x));
    }

    private sealed class Output : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly Linear dense;
        private readonly LayerNorm LayerNorm;
        private readonly Dropout dropout = nn.Dropout(0.1);

        public Output(int input, int hidden)
            : base(nameof(Output))
        {
            dense = nn.Linear(input, hidden);
            LayerNorm = nn.LayerNorm(hidden, 1e-5);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x, Tensor residual) => LayerNorm.forward(dropout.forward(dense.forward(x)) + residual);
    }

    private sealed class Head : nn.Module<Tensor, Tensor>
    {
        private readonly Linear dense;
        private readonly Linear out_proj;

        public Head(int hidden, int labels)
            : base(nameof(Head))
        {
            dense = nn.Linear(hidden, hidden);
            out_proj = nn.Linear(hidden, labels);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => out_proj.forward(dense.forward(x).tanh());
    }
}
