// Quickstart: FT vs TempBalance on a small built-in regression task (a random teacher network, 96 training
// examples), then save the balanced model as safetensors, reload it and check it computes the same outputs.
// Everything is seeded; the run takes well under a minute on 2 cores.
using Microsoft.ML.TempBalance.Balancing;
using Microsoft.ML.TempBalance.Checkpoints;
using Microsoft.ML.TempBalance.Runtime;
using Microsoft.ML.TempBalance.Samples.Quickstart;
using Microsoft.ML.TempBalance.Schedules;
using Microsoft.ML.TempBalance.Spectral;
using Microsoft.ML.TempBalance.Training;
using TorchSharp;
using static System.FormattableString;

TorchRuntime.SetThreadCount(2);
string folder = args.Length > 0 ? args[0] : Path.GetTempPath();
string path = Path.Combine(folder, "tempbalance-quickstart.safetensors");
using var task = new TeacherRegression(trainExamples: 96, validationExamples: 1024, seed: 7);

TrainingOptions Options(TempBalanceOptions? balance, string? output) => new()
{
    Epochs = 40,
    BatchSize = 16,
    Seed = 1,
    LearningRate = 3e-3,
    WeightDecay = 1e-4,
    Threads = 2,
    Schedule = new ScheduleSettings { Kind = ScheduleKind.LinearWarmupDecay, WarmupRatio = 0.06 },
    TempBalance = balance,
    OutputPath = output,
};

var balanced = new TempBalanceOptions
{
    Unit = BalanceUnit.Layer,
    Mapping = new SigmoidMapping(lowScale: 1, highScale: 1),
    Cadence = BalanceCadence.EveryEpochs(1),
    Analyzer = new SpectralAnalyzerOptions { XminPosition = 2.0, MinEigenvalues = 12 },
};

var analyzer = new SpectralAnalyzer(balanced.Analyzer);
Console.WriteLine("Training the same seeded network twice: FT (one learning rate) and TempBalance (TB_Sigmoid per layer).");
(TrainingResult ft, double ftStd, var ftModel) = Run(null, null);
ftModel.Dispose();
(TrainingResult tb, double tbStd, var tbModel) = Run(balanced, path);
Console.WriteLine();
Console.WriteLine($"{"run",-12} {"best validation MSE",20} {"best epoch",11} {"alpha std after",16}");
Console.WriteLine(Invariant($"{"FT",-12} {ft.BestValidation!.Metric,20:G5} {ft.BestEpoch + 1,11} {ftStd,16:F3}"));
Console.WriteLine(Invariant($"{"TempBalance",-12} {tb.BestValidation!.Metric,20:G5} {tb.BestEpoch + 1,11} {tbStd,16:F3}"));
Console.WriteLine();
Console.WriteLine("Last TempBalance update (alpha per layer and the factor on the base learning rate):");
foreach (UnitBalance unit in tb.BalanceUpdates[^1].Units)
{
    Console.WriteLine(Invariant($"  {unit.Unit,-6} alpha {unit.Score,6:F3}  factor {unit.Factor,6:F3}{(unit.Balanced ? "" : "  (base rate: " + unit.Reason + ")")}"));
}

// The balanced run saved its model atomically; reload it and compare outputs.
using var reloaded = TeacherRegression.BuildModel();
ModuleCheckpoint.Load(reloaded, path);
double difference = task.MaxOutputDifference(tbModel, reloaded);
tbModel.Dispose();
Console.WriteLine();
Console.WriteLine($"Saved {path} ({new FileInfo(path).Length:N0} bytes); max |saved - reloaded| output difference: {difference}");
return difference == 0 ? 0 : 1;

(TrainingResult Result, double AlphaStd, torch.nn.Module<torch.Tensor, torch.Tensor> Model) Run(TempBalanceOptions? balance, string? output)
{
    torch.manual_seed(3);
    var network = TeacherRegression.BuildModel();
    TrainingResult result = new TrainingEngine(Options(balance, output)).Train(network, task);
    return (result, analyzer.Analyze(network).Summary.AlphaStd, network);
}
