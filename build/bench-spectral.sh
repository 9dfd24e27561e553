#!/usr/bin/env bash
# Spectral analysis benchmark: RoBERTa-base-shaped encoder (72 matrices), fast route vs naive svdvals.
# Results are recorded in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project src/Benchmarks -- spectral "${1:-3}"
