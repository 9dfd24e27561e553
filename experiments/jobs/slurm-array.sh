#!/usr/bin/env bash
# Slurm job array: one shard of an experiment per array task. Edit the paths, the array size (= shard count)
# and the resources, then: sbatch experiments/jobs/slurm-array.sh
# After all tasks finish: tempbalance experiment merge results/shard-* --out results/all
#                         tempbalance experiment report results/all --out report/
#SBATCH --job-name=tempbalance-exp
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --time=12:00:00
#SBATCH --output=logs/%x-%a.out
set -euo pipefail
SPEC=experiments/darcy-fno.json
SHARDS=8   # must equal the number of array tasks
tempbalance experiment run "$SPEC" --out "results/shard-${SLURM_ARRAY_TASK_ID}" --shard "${SLURM_ARRAY_TASK_ID}/${SHARDS}" --threads "${SLURM_CPUS_PER_TASK}"
