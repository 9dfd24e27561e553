using Microsoft.ML.TempBalance.Sweeps;

namespace Microsoft.ML.TempBalance.Text;

/// <summary>LoRA for sweep trials: a sweep knows only the rank; the adapters are a text concept.</summary>
public static class SweepTrialLora
{
    extension(SweepTrial trial)
    {
        /// <summary>The LoRA settings of this trial (alpha = 2 x rank, the paper's setting), or null for full fine-tuning.</summary>
        public LoraOptions? Lora => trial.LoraRank > 0 ? new LoraOptions { Rank = trial.LoraRank, Alpha = 2 * trial.LoraRank } : null;
    }
}
