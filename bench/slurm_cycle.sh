#!/usr/bin/env bash
# A cycle of 8 training tasks through Slurm (one job array on this machine's cluster,
# .ci/slurm/up) against the same cycle run locally one task at a time (--jobs 1), on
# copies of one registry. Prints a Markdown table: wall times, the speed-up, and Slurm's
# overhead per task (Slurm's wall time minus the tasks' own seconds spread over the CPUs).
#   bench/slurm_cycle.sh [nimp binary] [rows per model]     (run on an idle machine)
set -euo pipefail
nimp=$(realpath "${1:-.build/release/nimp}")
samples=${2:-100000}
sinfo -h -o %T | grep -q idle || { echo "no idle Slurm node: start one with .ci/slurm/up" >&2; exit 69; }
work=$(mktemp -d /tmp/nimp-slurm-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
reg=$work/registry
"$nimp" registry --registry "$reg" init -q
i=0
for g in dopamine cortisol serotonin growth dopamine cortisol serotonin growth; do
  i=$((i + 1))
  "$nimp" gen-data --generator "signal/$g" --samples "$samples" --seed "$i" -o "$work/$i.safetensors" -q
  "$nimp" train --data "$work/$i.safetensors" --hidden 8 --epochs 1 --seed "$i" -o "$work/$i.nimp" -q > /dev/null
  "$nimp" registry --registry "$reg" add "m$i-$g" "$work/$i.nimp" --data "$work/$i.safetensors" --target r2=0.9999 -q > /dev/null
done
"$nimp" registry config max_concurrent_tasks 8 --registry "$reg" > /dev/null 2>&1
"$nimp" registry config genetic_architecture_search false --registry "$reg" > /dev/null 2>&1
for m in "$reg"/models/*/model.json; do
  jq '.genome.hidden = [64, 64] | .genome.epochs = 30' "$m" > "$m.new" && mv "$m.new" "$m"
done
cpus=$(nproc)
echo "# $(lscpu | sed -n 's/^Model name: *//p'), $cpus CPUs, Slurm $(sinfo -V | cut -d' ' -f2); $(date -u +%F); $samples rows per model"
echo "| run | tasks | promoted | wall s | task s (sum) | speed-up | overhead per task |"
echo "|---|---|---|---|---|---|---|"
cp -a "$reg" "$work/local"
start=$(date +%s.%N)
summary=$("$nimp" cycle --registry "$work/local" --force --jobs 1 -q)
local_wall=$(echo "$(date +%s.%N) - $start" | bc)
local_tasks=$(jq '.average_task_seconds * .tasks' <<<"$summary")
printf '| local, --jobs 1 | %s | %s | %.1f | %.1f | 1.00× | – |\n' "$(jq .tasks <<<"$summary")" "$(jq .promoted <<<"$summary")" "$local_wall" "$local_tasks"

cp -a "$reg" "$work/slurm"
start=$(date +%s.%N)
sub=$("$nimp" cycle --registry "$work/slurm" --executor slurm --force -q)
jobs="$(jq -r .array_job <<<"$sub"),$(jq -r .gate_job <<<"$sub")"
# The cycle ends when its gate job has written the cycle line.
until grep -q '"type":"cycle"' "$work/slurm/history.jsonl" 2>/dev/null && [ -z "$(squeue -h -j "$jobs" 2>/dev/null)" ]; do sleep 0.2; done
slurm_wall=$(echo "$(date +%s.%N) - $start" | bc)
line=$(grep '"type":"cycle"' "$work/slurm/history.jsonl" | tail -1)
task_sum=$(grep '"type":"task"' "$work/slurm/history.jsonl" | jq -s 'map(.seconds) | add')
overhead=$(echo "($slurm_wall - $task_sum / $cpus) / 8" | bc -l)
printf '| Slurm, one array | %s | %s | %.1f | %.1f | %.2f× | %.2f s |\n' "$(jq .tasks <<<"$line")" "$(jq .promoted <<<"$line")" "$slurm_wall" "$task_sum" \
  "$(echo "$local_wall / $slurm_wall" | bc -l)" "$overhead"
