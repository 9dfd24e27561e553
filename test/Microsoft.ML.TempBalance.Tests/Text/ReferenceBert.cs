using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Text;

/// <summary>
/// An independent BERT sequence-classification forward pass in plain loops and double precision, written from the
/// Hugging Face definition (BertForSequenceClassification): word + token-type + absolute position embeddings
/// (positions 0..n-1 for every token, padding included), post-LayerNorm blocks, masked keys excluded from every
/// softmax, a tanh pooler on the first token, then the classifier. Evaluation mode: no dropout. Tensor names are
/// Hugging Face's with the <c>bert.</c> prefix (<c>classifier.*</c> for the head).
/// </summary>
internal sealed class ReferenceBert
{
    private const string Embeddings = "bert.embeddings.";

    private readonly Dictionary<string, double[]> _w;
    private readonly Dictionary<string, long[]> _shape;
    private readonly int _hidden;
    private readonly int _heads;
    private readonly int _layers;
    private readonly double _eps;
    private readonly Func<double, double> _activation;

    /// <param name="weights">Hugging Face names (<c>bert.</c>-prefixed) to tensors of any float dtype; Linear weights are [out, in].</param>
    /// <param name="hidden">hidden_size.</param>
    /// <param name="heads">num_attention_heads; must divide <paramref name="hidden"/>.</param>
    /// <param name="layers">num_hidden_layers.</param>
    /// <param name="eps">layer_norm_eps.</param>
    /// <param name="activation">hidden_act: <c>gelu</c> (exact erf), <c>relu</c> or <c>gelu_new</c> (tanh approximation).</param>
    public ReferenceBert(Dictionary<string, torch.Tensor> weights, int hidden, int heads, int layers, double eps = 1e-12, string activation = "gelu")
    {
        if (heads <= 0 || hidden % heads != 0)
        {
            throw new ArgumentException($"{heads} heads do not divide a hidden size of {hidden}.", nameof(heads));
        }

        _activation = activation switch
        {
            "gelu" => Gelu,
            "relu" => Relu,
            "gelu_new" => GeluTanh,
            _ => throw new ArgumentException($"The reference does not implement the activation '{activation}'.", nameof(activation)),
        };
        _w = weights.ToDictionary(p => p.Key, p => p.Value.to(torch.float64).data<double>().ToArray(), StringComparer.Ordinal);
        _shape = weights.ToDictionary(p => p.Key, p => p.Value.shape, StringComparer.Ordinal);
        _hidden = hidden;
        _heads = heads;
        _layers = layers;
        _eps = eps;
    }

    /// <summary>The last hidden states, [tokens][hidden], for one sequence.</summary>
    /// <param name="ids">Token ids.</param>
    /// <param name="typeIds">Token type (segment) ids, one per token.</param>
    /// <param name="mask">Attention mask, one per token: 0 hides the token as a key from every query.</param>
    public double[][] HiddenStates(int[] ids, int[] typeIds, int[] mask)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(typeIds);
        ArgumentNullException.ThrowIfNull(mask);
        int n = ids.Length;
        if (typeIds.Length != n || mask.Length != n)
        {
            throw new ArgumentException($"{n} ids need as many type ids and mask entries (got {typeIds.Length} and {mask.Length}).");
        }

        if (n == 0 || Array.TrueForAll(mask, m => m == 0))
        {
            throw new ArgumentException("At least one token must be visible to attention.", nameof(mask));
        }

        var x = new double[n][];
        for (int t = 0; t < n; t++)
        {
            double[] word = Row(Embeddings + "word_embeddings.weight", ids[t]);
            double[] type = Row(Embeddings + "token_type_embeddings.weight", typeIds[t]);
            double[] position = Row(Embeddings + "position_embeddings.weight", t);
            var sum = new double[_hidden];
            for (int h = 0; h < _hidden; h++)
            {
                sum[h] = word[h] + type[h] + position[h];
            }

            x[t] = LayerNorm(sum, Embeddings + "LayerNorm");
        }

        int size = _hidden / _heads;
        double scale = 1 / Math.Sqrt(size);
        for (int l = 0; l < _layers; l++)
        {
            string p = $"bert.encoder.layer.{l}.";
            double[][] query = x.Select(v => Linear(v, p + "attention.self.query")).ToArray();
            double[][] key = x.Select(v => Linear(v, p + "attention.self.key")).ToArray();
            double[][] value = x.Select(v => Linear(v, p + "attention.self.value")).ToArray();
            var next = new double[n][];
            for (int t = 0; t < n; t++)
            {
                var context = new double[_hidden];
                for (int head = 0; head < _heads; head++)
                {
                    int offset = head * size;
                    var probabilities = new double[n];
                    double max = double.NegativeInfinity;
                    for (int s = 0; s < n; s++)
                    {
                        if (mask[s] == 0)
                        {
                            probabilities[s] = double.NegativeInfinity;
                            continue;
                        }

                        double dot = 0;
                        for (int d = 0; d < size; d++)
                        {
                            dot += query[t][offset + d] * key[s][offset + d];
                        }

                        probabilities[s] = dot * scale;
                        max = Math.Max(max, probabilities[s]);
                    }

                    double total = 0;
                    for (int s = 0; s < n; s++)
                    {
                        probabilities[s] = Math.Exp(probabilities[s] - max);
                        total += probabilities[s];
                    }

                    for (int s = 0; s < n; s++)
                    {
                        double weight = probabilities[s] / total;
                        for (int d = 0; d < size; d++)
                        {
                            context[offset + d] += weight * value[s][offset + d];
                        }
                    }
                }

                double[] attended = LayerNorm(Add(Linear(context, p + "attention.output.dense"), x[t]), p + "attention.output.LayerNorm");
                double[] inner = Linear(attended, p + "intermediate.dense");
                for (int i = 0; i < inner.Length; i++)
                {
                    inner[i] = _activation(inner[i]);
                }

                next[t] = LayerNorm(Add(Linear(inner, p + "output.dense"), attended), p + "output.LayerNorm");
            }

            x = next;
        }

        return x;
    }

    /// <summary>The classifier logits: <c>classifier(tanh(pooler.dense(hidden[0])))</c>.</summary>
    public double[] Logits(int[] ids, int[] typeIds, int[] mask)
    {
        double[] pooled = Linear(HiddenStates(ids, typeIds, mask)[0], "bert.pooler.dense");
        for (int i = 0; i < pooled.Length; i++)
        {
            pooled[i] = Math.Tanh(pooled[i]);
        }

        return Linear(pooled, "classifier");
    }

    private double[] Weight(string name) =>
        _w.TryGetValue(name, out var values) ? values : throw new KeyNotFoundException($"The reference needs the tensor '{name}'.");

    private double[] Row(string name, int row)
    {
        double[] table = Weight(name);
        long rows = _shape[name][0];
        int cols = (int)_shape[name][1];
        if (row < 0 || row >= rows)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"'{name}' has {rows} rows.");
        }

        var result = new double[cols];
        Array.Copy(table, (long)row * cols, result, 0, cols);
        return result;
    }

    private double[] Linear(double[] input, string name)
    {
        double[] weight = Weight(name + ".weight");
        double[] bias = Weight(name + ".bias");
        int outputs = bias.Length;
        if (weight.Length != outputs * input.Length)
        {
            throw new ArgumentException($"'{name}.weight' has {weight.Length} elements, not {outputs} x {input.Length}.");
        }

        var result = new double[outputs];
        for (int o = 0; o < outputs; o++)
        {
            double sum = bias[o];
            int row = o * input.Length;
            for (int i = 0; i < input.Length; i++)
            {
                sum += weight[row + i] * input[i];
            }

            result[o] = sum;
        }

        return result;
    }

    private double[] LayerNorm(double[] v, string name)
    {
        double[] gamma = Weight(name + ".weight");
        double[] beta = Weight(name + ".bias");
        double mean = 0;
        foreach (double a in v)
        {
            mean += a;
        }

        mean /= v.Length;
        double variance = 0;
        foreach (double a in v)
        {
            variance += (a - mean) * (a - mean);
        }

        variance /= v.Length;
        double inverse = 1 / Math.Sqrt(variance + _eps);
        var result = new double[v.Length];
        for (int i = 0; i < v.Length; i++)
        {
            result[i] = (v[i] - mean) * inverse * gamma[i] + beta[i];
        }

        return result;
    }

    private static double[] Add(double[] a, double[] b)
    {
        var result = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            result[i] = a[i] + b[i];
        }

        return result;
    }

    // Exact GELU with ReferenceRoberta's double-precision erf (Taylor series / erfc continued fraction, ~1e-15).
    private static double Gelu(double x) => 0.5 * x * (1 + ReferenceRoberta.Erf(x / Math.Sqrt(2)));

    private static double Relu(double x) => x > 0 ? x : 0;

    private static double GeluTanh(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}
