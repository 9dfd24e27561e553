#!/usr/bin/env bash
# Resumable training with a real process kill: trains an FNO on generated Darcy data with TempBalance once without
# interruption, once killed with SIGKILL after a chosen epoch and resumed with --resume, and compares the two weight
# files byte for byte. Arguments: epochs (default 12), kill after epoch (default 5), torch threads (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
epochs="${1:-12}"; kill_after="${2:-5}"; threads="${3:-2}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
dotnet build src/TempBalance.Cli -c Release -v q -nologo >/dev/null
cli=(dotnet src/TempBalance.Cli/bin/Release/net10.0/tempbalance.dll)
"${cli[@]}" pde generate --equation darcy --samples 100 --resolution 32 --seed 1 --out "$work/train.hdf5" >/dev/null
"${cli[@]}" pde generate --equation darcy --samples 20 --resolution 32 --seed 2 --out "$work/test.hdf5" >/dev/null
args=(pde train --data "$work/train.hdf5" --test "$work/test.hdf5" --temp-balance --epochs "$epochs" --batch-size 20
      --learning-rate 0.005 --step-size 4 --threads "$threads" --training-state-every 1)

"${cli[@]}" "${args[@]}" --training-state "$work/a.state" --out "$work/uninterrupted" > "$work/a.log"

"${cli[@]}" "${args[@]}" --training-state "$work/b.state" --out "$work/resumed" > "$work/b.log" &
pid=$!
until grep -q "Checkpoint after epoch $kill_after:" "$work/b.log" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "the run ended before epoch $kill_after" >&2; exit 1; }
    sleep 0.05
done
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
echo "killed with SIGKILL after: $(grep -c '^Epoch ' "$work/b.log") epoch line(s); state file $(stat -c %s "$work/b.state") bytes"
"${cli[@]}" "${args[@]}" --training-state "$work/b.state" --resume --out "$work/resumed" > "$work/c.log"
grep "Resumed from" "$work/c.log"
a=$(sha256sum < "$work/uninterrupted/fno.safetensors"); b=$(sha256sum < "$work/resumed/fno.safetensors")
echo "uninterrupted fno.safetensors sha256 ${a%% *}"
echo "resumed       fno.safetensors sha256 ${b%% *}"
grep "Test nRMSE" "$work/a.log" "$work/c.log" | sed "s|$work/||"
[[ "$a" == "$b" ]] && echo "identical" || { echo "DIFFERENT" >&2; exit 1; }
