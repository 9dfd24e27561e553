#!/usr/bin/env bash
# Quality run (issue: neural PDE solvers): FNO1d on generated 1D compressible Navier-Stokes (eta = zeta = 0.01,
# 128 points kept from 512 solver cells, 21 frames over t in [0, 1]), initial_step 10, autoregressive BPTT.
# 900 training samples = the paper's 10% of 9000; lr 5e-3, weight decay 1e-2 and batch 25 are its settings for
# that ratio (appendix, Table 13), with fewer epochs than its 500 to fit 2 cores.
# Usage: bash build/quality-cfd1d.sh [train-samples] [epochs] [out-folder] [extra pde-train flags, e.g. --width 64].
# Results: docs/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
samples="${1:-900}"
epochs="${2:-100}"
out="${3:-/tmp/tempbalance-quality-cfd1d}"
mkdir -p "$out"
cli() { dotnet run -c Release --project src/TempBalance.Cli --no-build -- "$@"; }
dotnet build -c Release src/TempBalance.Cli > /dev/null
[ -f "$out/train.hdf5" ] || cli pde generate --equation cfd1d --samples "$samples" --resolution 128 --seed 1 --out "$out/train.hdf5"
[ -f "$out/test.hdf5" ] || cli pde generate --equation cfd1d --samples 100 --resolution 128 --seed 2 --out "$out/test.hdf5"
cli pde train --data "$out/train.hdf5" --test "$out/test.hdf5" --model fno --initial-step 10 --epochs "$epochs" --step-size $((epochs / 5 > 0 ? epochs / 5 : 1)) \
    --batch-size 25 --learning-rate 5e-3 --weight-decay 1e-2 --threads 2 --out "$out/fno" "${@:4}"
