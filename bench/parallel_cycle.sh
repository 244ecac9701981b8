#!/usr/bin/env bash
# One cycle of 6 training tasks run one at a time (--jobs 1) and two at a time (--jobs 2)
# on copies of the same registry: the same plan, seeds and tasks, so the wall times compare.
#   bench/parallel_cycle.sh [nimp binary] [samples]     (run on an idle machine)
# Each model trains on `samples` rows (default 200000) with a 64×64 network, so a task's
# work outweighs starting its process; the gate measures every candidate one at a time.
set -euo pipefail
nimp=$(realpath "${1:-.build/release/nimp}")
samples=${2:-200000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
reg=$work/registry
"$nimp" registry --registry "$reg" init -q
i=0
for g in dopamine cortisol serotonin growth dopamine cortisol; do
  i=$((i + 1))
  "$nimp" gen-data --generator "signal/$g" --samples "$samples" --seed "$i" -o "$work/$i.safetensors" -q
  "$nimp" train --data "$work/$i.safetensors" --hidden 8 --epochs 1 --seed "$i" -o "$work/$i.nimp" -q > /dev/null
  "$nimp" registry --registry "$reg" add "m$i-$g" "$work/$i.nimp" --data "$work/$i.safetensors" --target r2=0.9999 -q > /dev/null
done
"$nimp" registry config max_concurrent_tasks 6 --registry "$reg" > /dev/null 2>&1
"$nimp" registry config genetic_architecture_search false --registry "$reg" > /dev/null
for m in "$reg"/models/*/model.json; do
  jq '.genome.hidden = [64, 64] | .genome.epochs = 30' "$m" > "$m.new" && mv "$m.new" "$m"
done
echo "# $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; $(date -u +%F); $samples rows per model"
echo "| jobs | tasks | promoted | wall s | speed-up |"
echo "|---|---|---|---|---|"
base=""
for jobs in 1 2; do
  cp -a "$reg" "$work/r$jobs"
  start=$(date +%s.%N)
  summary=$("$nimp" cycle --registry "$work/r$jobs" --force --jobs "$jobs" -q)
  wall=$(echo "$(date +%s.%N) - $start" | bc)
  base=${base:-$wall}
  printf '| %s | %s | %s | %.1f | %.2f× |\n' "$jobs" "$(jq .tasks <<<"$summary")" "$(jq .promoted <<<"$summary")" "$wall" "$(echo "$base / $wall" | bc -l)"
done
