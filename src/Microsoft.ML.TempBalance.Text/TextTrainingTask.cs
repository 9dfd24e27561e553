using Microsoft.ML.TempBalance.Text.Modules;
using Microsoft.ML.TempBalance.Training;
using TorchSharp;

namespace Microsoft.ML.TempBalance.Text;

/// <summary>Cross-entropy (classification) or MSE (regression) on tokenized examples; validation accuracy or negative MSE.</summary>
internal sealed class TextTrainingTask : ITrainingTask
{
    private readonly IReadOnlyList<TextExample> _train;
    private readonly IReadOnlyList<TextExample>? _validation;
    private readonly int _padId;
    private readonly bool _regression;
    private readonly int _batchSize;
    private readonly string _settings;
    private string? _fingerprint;

    // settings: what decides the run besides the engine's options and the tokens (LoRA, task kind), for the data fingerprint.
    public TextTrainingTask(IReadOnlyList<TextExample> train, IReadOnlyList<TextExample>? validation, int padId, bool regression, int batchSize, string settings = "")
    {
        _settings = settings;
        _train = train;
        _validation = validation;
        _padId = padId;
        _regression = regression;
        _batchSize = batchSize;
    }

    public int ExampleCount => _train.Count;

    // The token ids carry the tokenizer and MaxSequenceLength; the settings carry LoRA and the task kind.
    public string? DataFingerprint => _fingerprint ??= Fingerprint();

    private string Fingerprint()
    {
        using var digest = new DataFingerprint();
        digest.Add(_settings);
        foreach (IReadOnlyList<TextExample>? examples in new[] { _train, _validation })
        {
            digest.Add(examples?.Count ?? -1);
            foreach (TextExample example in examples ?? Array.Empty<TextExample>())
            {
                digest.Add(example.Tokens.Ids).Add(example.Tokens.TypeIds).Add(example.Class).Add(BitConverter.SingleToInt32Bits(example.Target));
            }
        }

        return digest.Finish();
    }

    public torch.Tensor Loss(torch.nn.Module model, IReadOnlyList<int> batch)
    {
        var examples = batch.Select(i => _train[i]).ToList();
        using TokenBatch tokens = TokenBatch.Create(examples.Select(e => e.Tokens).ToList(), _padId);
        torch.Tensor logits = ((EncoderForSequenceClassification)model).forward(tokens.Ids, tokens.Mask, tokens.TypeIds);
        if (_regression)
        {
            using torch.Tensor targets = torch.tensor(examples.Select(e => e.Target).ToArray());
            return torch.nn.functional.mse_loss(logits.squeeze(-1), targets);
        }

        using torch.Tensor classes = torch.tensor(examples.Select(e => e.Class).ToArray());
        return torch.nn.functional.cross_entropy(logits, classes);
    }

    public ValidationResult? Validate(torch.nn.Module model)
    {
        if (_validation is null || _validation.Count == 0)
        {
            return null;
        }

        var classifier = (EncoderForSequenceClassification)model;
        double correct = 0, squared = 0;
        for (int start = 0; start < _validation.Count; start += _batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var examples = _validation.Skip(start).Take(_batchSize).ToList();
            using TokenBatch tokens = TokenBatch.Create(examples.Select(e => e.Tokens).ToList(), _padId);
            torch.Tensor logits = classifier.forward(tokens.Ids, tokens.Mask, tokens.TypeIds);
            if (_regression)
            {
                float[] predicted = logits.squeeze(-1).data<float>().ToArray();
                squared += predicted.Select((p, i) => (double)(p - examples[i].Target) * (p - examples[i].Target)).Sum();
            }
            else
            {
                long[] predicted = logits.argmax(-1).data<long>().ToArray();
                correct += predicted.Where((p, i) => p == examples[i].Class).Count();
            }
        }

        return _regression
            ? new ValidationResult(-squared / _validation.Count, HigherIsBetter: true, "negative MSE")
            : new ValidationResult(correct / _validation.Count, HigherIsBetter: true, "accuracy");
    }
}
