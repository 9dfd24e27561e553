#!/usr/bin/env bash
# Quality run (issue: neural PDE solvers): FNO2d on generated Darcy flow, beta = 100, 64 x 64, 1000 training samples,
# 200 test samples. Prints the test nRMSE (without and with the context frame). Results: docs/results.md.
# Batch 20 and lr 1e-3 halved four times, as Li et al.'s FNO Darcy setup, shortened to fit 2 cores.
# Usage: bash build/quality-darcy.sh [epochs] [out-folder] [extra pde-train flags, e.g. --normalize pointwise]
set -euo pipefail
cd "$(dirname "$0")/.."
epochs="${1:-100}"
out="${2:-/tmp/tempbalance-quality-darcy}"
mkdir -p "$out"
cli() { dotnet run -c Release --project src/TempBalance.Cli --no-build -- "$@"; }
dotnet build -c Release src/TempBalance.Cli > /dev/null
[ -f "$out/train.hdf5" ] || cli pde generate --equation darcy --samples 1000 --resolution 64 --seed 1 --out "$out/train.hdf5"
[ -f "$out/test.hdf5" ] || cli pde generate --equation darcy --samples 200 --resolution 64 --seed 2 --out "$out/test.hdf5"
cli pde train --data "$out/train.hdf5" --test "$out/test.hdf5" --model fno --epochs "$epochs" --step-size $((epochs / 4 > 0 ? epochs / 4 : 1)) \
    --batch-size 20 --learning-rate 1e-3 --weight-decay 1e-4 --threads 2 --out "$out/fno" "${@:3}"
