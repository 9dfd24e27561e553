#!/usr/bin/env bash
# Text-trainer throughput: ML.NET TextClassification vs a bare TorchSharp loop, RoBERTa-base shape, batch 16,
# sequence 128, plus peak memory of full fine-tuning. Argument: measured steps per route. Results: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project src/Benchmarks -- text-throughput "${1:-3}"
