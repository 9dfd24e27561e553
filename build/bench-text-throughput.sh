#!/usr/bin/env bash
# Text-trainer throughput: ML.NET TextClassification vs a bare TorchSharp loop (routes alternating), batch 16,
# sequence 128, plus peak memory of full fine-tuning. Arguments: measured steps per route, and the model:
# roberta-base (RoBERTa-base shape, random weights; the default) or minilm (the pretrained all-MiniLM-L6-v2, which
# also measures TempBalance's share at the reference cadence and per epoch). Results: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project src/Benchmarks -- text-throughput "${1:-3}" "${2:-roberta-base}"
