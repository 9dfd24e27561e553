using TorchSharp;

namespace Microsoft.ML.TempBalance.Tests.Text;

/// <summary>
/// An independent RoBERTa sequence-classification forward pass in plain loops and double precision, written from
/// the Hugging Face definition (post-LayerNorm blocks, erf GELU, position ids from padding_idx + 1 over non-pad
/// tokens, masked keys excluded, tanh head on the first token). Evaluation mode: no dropout.
/// </summary>
internal sealed class ReferenceRoberta
{
    private readonly Dictionary<string, double[]> _w;
    private readonly Dictionary<string, long[]> _shape;
    private readonly int _hidden;
    private readonly int _heads;
    private readonly int _layers;
    private readonly double _eps;
    private readonly int _pad;

    public ReferenceRoberta(Dictionary<string, torch.Tensor> weights, int hidden, int heads, int layers, double eps = 1e-5, int pad = 1)
    {
        _w = weights.ToDictionary(p => p.Key, p => p.Value.to(torch.float64).data<double>().ToArray());
        _shape = weights.ToDictionary(p => p.Key, p => p.Value.shape);
        _hidden = hidden;
        _heads = heads;
        _layers = layers;
        _eps = eps;
        _pad = pad;
    }

    public double[] Logits(int[] ids)
    {
        int n = ids.Length;
        var x = new double[n][];
        int position = _pad;
        for (int t = 0; t < n; t++)
        {
            int pos = ids[t] == _pad ? _pad : ++position;
            x[t] = new double[_hidden];
            for (int h = 0; h < _hidden; h++)
            {
                x[t][h] = Row("roberta.embeddings.word_embeddings.weight", ids[t])[h]
                    + Row("roberta.embeddings.token_type_embeddings.weight", 0)[h]
                    + Row("roberta.embeddings.position_embeddings.weight", pos)[h];
            }

            x[t] = LayerNorm(x[t], "roberta.embeddings.LayerNorm");
        }

        for (int l = 0; l < _layers; l++)
        {
            string p = $"roberta.encoder.layer.{l}.";
            double[][] q = x.Select(v => Linear(v, p + "attention.self.query")).ToArray();
            double[][] k = x.Select(v => Linear(v, p + "attention.self.key")).ToArray();
            double[][] v = x.Select(v => Linear(v, p + "attention.self.value")).ToArray();
            int size = _hidden / _heads;
            var context = new double[n][];
            for (int t = 0; t < n; t++)
            {
                context[t] = new double[_hidden];
                for (int head = 0; head < _heads; head++)
                {
                    var scores = new double[n];
                    double max = double.NegativeInfinity;
                    for (int s = 0; s < n; s++)
                    {
                        if (ids[s] == _pad)
                        {
                            scores[s] = double.NegativeInfinity;
                            continue;
                        }

                        double dot = 0;
                        for (int d = 0; d < size; d++)
                        {
                            dot += q[t][head * size + d] * k[s][head * size + d];
                        }

                        scores[s] = dot / Math.Sqrt(size);
                        max = Math.Max(max, scores[s]);
                    }

                    double sum = scores.Sum(s => Math.Exp(s - max));
                    for (int s = 0; s < n; s++)
                    {
                        double weight = Math.Exp(scores[s] - max) / sum;
                        for (int d = 0; d < size; d++)
                        {
                            context[t][head * size + d] += weight * v[s][head * size + d];
                        }
                    }
                }
            }

            double[][] attended = x.Select((input, t) => LayerNorm(Add(Linear(context[t], p + "attention.output.dense"), input), p + "attention.output.LayerNorm")).ToArray();
            x = attended.Select(a => LayerNorm(Add(Linear(Linear(a, p + "intermediate.dense").Select(Gelu).ToArray(), p + "output.dense"), a), p + "output.LayerNorm")).ToArray();
        }

        double[] pooled = Linear(x[0], "classifier.dense").Select(Math.Tanh).ToArray();
        return Linear(pooled, "classifier.out_proj");
    }

    private double[] Row(string name, int row)
    {
        int cols = (int)_shape[name][1];
        return _w[name].Skip(row * cols).Take(cols).ToArray();
    }

    private double[] Linear(double[] input, string name)
    {
        double[] weight = _w[name + ".weight"];
        double[] bias = _w[name + ".bias"];
        int outputs = bias.Length;
        var result = new double[outputs];
        for (int o = 0; o < outputs; o++)
        {
            double sum = bias[o];
            for (int i = 0; i < input.Length; i++)
            {
                sum += weight[o * input.Length + i] * input[i];
            }

            result[o] = sum;
        }

        return result;
    }

    private double[] LayerNorm(double[] v, string name)
    {
        double mean = v.Average();
        double variance = v.Sum(a => (a - mean) * (a - mean)) / v.Length;
        double[] gamma = _w[name + ".weight"], beta = _w[name + ".bias"];
        return v.Select((a, i) => (a - mean) / Math.Sqrt(variance + _eps) * gamma[i] + beta[i]).ToArray();
    }

    private static double[] Add(double[] a, double[] b) => a.Select((x, i) => x + b[i]).ToArray();

    private static double Gelu(double x) => 0.5 * x * (1 + Erf(x / Math.Sqrt(2)));

    // erf by its Taylor series for |x| < 2.5 and by the continued fraction of erfc beyond (both to ~1e-15).
    internal static double Erf(double x)
    {
        double a = Math.Abs(x);
        double result;
        if (a < 2.5)
        {
            double term = a, sum = a;
            for (int n = 1; n < 100; n++)
            {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }

            result = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            double fraction = 0;
            for (int k = 80; k >= 1; k--)
            {
                fraction = k / 2.0 / (a + fraction);
            }

            result = 1 - Math.Exp(-a * a) / Math.Sqrt(Math.PI) / (a + fraction);
        }

        return Math.Sign(x) * result;
    }
}
