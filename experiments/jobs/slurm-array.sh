#!/usr/bin/env bash
# Slurm job array: one shard of an experiment per array task. From the folder the relative paths start at (Slurm
# runs each task there, and writes its log there as tempbalance-exp-<job>_<task>.out):
#
#   SPEC=experiments/darcy-fno.json RESULTS=results sbatch --array=0-7 experiments/jobs/slurm-array.sh
#   # when every task has finished:
#   tempbalance experiment merge results/shard-* --out results/all
#   tempbalance experiment report results/all --out report/
#
# Settings, from the environment sbatch exports (all optional):
#   SPEC         the experiment spec (default experiments/darcy-fno.json)
#   RESULTS      the folder that receives shard-<task> folders (default results; created)
#   SHARDS       the shard count (default: the array's task count, so --array=0-7 gives 8 shards)
#   TEMPBALANCE  the command that runs the tool (default tempbalance on the node's PATH; for example
#                "dotnet /shared/tempbalance/tempbalance.dll", or the path of the installed tool); it is split at
#                spaces, so its words (paths included) cannot contain any
# Resources: 2 cores per task (torch threads follow --cpus-per-task); override on the sbatch line as usual.
#
# A failed, cancelled or timed-out task is resumed by resubmitting only its index, with SHARDS set to the full count
# (the resubmitted array has one task, so the default would be 1). The runner skips the trials already in the shard
# folder, so only the unfinished ones run again:
#   SHARDS=8 SPEC=experiments/darcy-fno.json RESULTS=results sbatch --array=3 experiments/jobs/slurm-array.sh
#SBATCH --job-name=tempbalance-exp
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --time=12:00:00
#SBATCH --output=%x-%A_%a.out
set -euo pipefail
: "${SLURM_ARRAY_TASK_ID:?this is one task of a job array: submit it with sbatch --array=...}"
SPEC="${SPEC:-experiments/darcy-fno.json}"
RESULTS="${RESULTS:-results}"
SHARDS="${SHARDS:-${SLURM_ARRAY_TASK_COUNT:-}}"
THREADS="${SLURM_CPUS_PER_TASK:-2}"
read -r -a TOOL <<< "${TEMPBALANCE:-tempbalance}"

if [[ -z "$SHARDS" ]] || (( SLURM_ARRAY_TASK_ID >= SHARDS )); then
    echo "task ${SLURM_ARRAY_TASK_ID} is not below SHARDS=${SHARDS:-unset}: set SHARDS to the full shard count when resubmitting single tasks" >&2
    exit 2
fi
if ! command -v "${TOOL[0]}" >/dev/null; then
    echo "'${TOOL[0]}' is not on PATH on $(hostname); set TEMPBALANCE to the tool's command" >&2
    exit 2
fi
if [[ ! -f "$SPEC" ]]; then
    echo "spec '$SPEC' not found from $(pwd) on $(hostname); submit from the folder it is relative to, or set SPEC" >&2
    exit 2
fi

mkdir -p "$RESULTS"
echo "tempbalance shard ${SLURM_ARRAY_TASK_ID}/${SHARDS} of ${SPEC} on $(hostname) with ${THREADS} thread(s), $(date -Is)"
"${TOOL[@]}" experiment run "$SPEC" --out "$RESULTS/shard-${SLURM_ARRAY_TASK_ID}" --shard "${SLURM_ARRAY_TASK_ID}/${SHARDS}" --threads "$THREADS"
echo "tempbalance shard ${SLURM_ARRAY_TASK_ID}/${SHARDS} finished, $(date -Is)"
