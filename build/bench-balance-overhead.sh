#!/usr/bin/env bash
# TempBalance overhead benchmark: RoBERTa-base-shaped classifier, 13 examples, batch 4, sequence 128,
# FT vs three balancing cadences. Argument: epochs (10 = the paper's setting). Results: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project src/Benchmarks -- balance-overhead "${1:-10}"
