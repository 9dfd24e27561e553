#!/usr/bin/env bash
# PDE benchmarks: generator throughput per equation; FNO2d trainer vs a bare TorchSharp loop (Darcy 64x64).
# Argument: timed epochs. Results: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project src/Benchmarks -- pde "${1:-3}"
