using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.TempBalance.Tests.Training;

/// <summary>
/// A tiny RoBERTa-shaped classifier with Hugging Face module names (embeddings, encoder.layer.N.attention.self.query,
/// ..., output.LayerNorm, classifier.dense/out_proj), so block grouping and training can be tested end to end.
/// </summary>
internal sealed class TinyTransformer : nn.Module<Tensor, Tensor>
{
    private readonly Embeddings embeddings;
    private readonly Encoder encoder;
    private readonly Head classifier;

    public TinyTransformer(int vocabulary, int hidden, int ffn, int layers, int labels)
        : base(nameof(TinyTransformer))
    {
        embeddings = new Embeddings(vocabulary, hidden);
        encoder = new Encoder(hidden, ffn, layers);
        classifier = new Head(hidden, labels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        Tensor states = encoder.forward(embeddings.forward(tokens));
        return classifier.forward(states.mean(new long[] { 1 })).MoveToOuterDisposeScope();
    }

    private sealed class Embeddings : nn.Module<Tensor, Tensor>
    {
        private readonly Embedding word_embeddings;
        private readonly LayerNorm LayerNorm;

        public Embeddings(int vocabulary, int hidden)
            : base(nameof(Embeddings))
        {
            word_embeddings = nn.Embedding(vocabulary, hidden);
            LayerNorm = nn.LayerNorm(hidden);
            RegisterComponents();
        }

        public override Tensor forward(Tensor tokens) => LayerNorm.forward(word_embeddings.forward(tokens));
    }

    private sealed class Encoder : nn.Module<Tensor, Tensor>
    {
        private readonly ModuleList<Block> layer;

        public Encoder(int hidden, int ffn, int layers)
            : base(nameof(Encoder))
        {
            layer = new ModuleList<Block>(Enumerable.Range(0, layers).Select(_ => new Block(hidden, ffn)).ToArray());
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

        public Block(int hidden, int ffn)
            : base(nameof(Block))
        {
            attention = new Attention(hidden);
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

        public Attention(int hidden)
            : base(nameof(Attention))
        {
            self = new SelfAttention(hidden);
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

        public SelfAttention(int hidden)
            : base(nameof(SelfAttention))
        {
            query = nn.Linear(hidden, hidden);
            key = nn.Linear(hidden, hidden);
            value = nn.Linear(hidden, hidden);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            Tensor scores = query.forward(x).matmul(key.forward(x).transpose(1, 2)) / Math.Sqrt(x.shape[^1]);
            return scores.softmax(-1).matmul(value.forward(x));
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

        public Output(int input, int hidden)
            : base(nameof(Output))
        {
            dense = nn.Linear(input, hidden);
            LayerNorm = nn.LayerNorm(hidden);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x, Tensor residual) => LayerNorm.forward(dense.forward(x) + residual);
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

/// <summary>A small regression MLP: fc0 → LayerNorm → tanh → fc1 → tanh → fc2 (layer-wise units).</summary>
internal sealed class TinyMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc0;
    private readonly LayerNorm norm0;
    private readonly Linear fc1;
    private readonly Linear fc2;

    public TinyMlp(int input, int hidden, int output)
        : base(nameof(TinyMlp))
    {
        fc0 = nn.Linear(input, hidden);
        norm0 = nn.LayerNorm(hidden);
        fc1 = nn.Linear(hidden, hidden);
        fc2 = nn.Linear(hidden, output);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => fc2.forward(fc1.forward(norm0.forward(fc0.forward(x)).tanh()).tanh());
}

/// <summary>fc0..fc3 (16x16 Linear) and a 4-output head fc4: five layer units for scheduler tests.</summary>
internal sealed class TinyDeepMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc0 = nn.Linear(16, 16);
    private readonly Linear fc1 = nn.Linear(16, 16);
    private readonly Linear fc2 = nn.Linear(16, 16);
    private readonly Linear fc3 = nn.Linear(16, 16);
    private readonly Linear fc4 = nn.Linear(16, 4);

    public TinyDeepMlp()
        : base(nameof(TinyDeepMlp))
    {
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => fc4.forward(fc3.forward(fc2.forward(fc1.forward(fc0.forward(x).tanh()).tanh()).tanh()).tanh());
}
