#!/usr/bin/env bash
# One cycle of 6 training tasks run one at a time (--jobs 1) and two at a time (--jobs 2)
# on copies of the same registry: the same plan, seeds and tasks, so the wall times compare.
#   bench/parallel_cycle.sh [nimp binary]      (run on an idle machine)
set -euo pipefail
nimp=${1:-.build/release/nimp}
work=$(mktemp -d)
reg=$work/registry
"$nimp" registry --registry "$reg" init --examples -q
# A sixth model: growth's archive and data under another id.
spec=$reg/models/growth/model.json
"$nimp" registry --registry "$reg" add growth-b "$reg/models/growth/versions/v0001.nimp" \
  --data "$reg/$(jq -r .data.train.path "$spec")" --eval "$reg/$(jq -r .data.eval.path "$spec")" --target r2=0.995 -q
"$nimp" registry config max_concurrent_tasks 6 --registry "$reg" > /dev/null
# Longer training, so a task's work outweighs starting its process.
for m in "$reg"/models/*/model.json; do jq '.genome.epochs = 150' "$m" > "$m.new" && mv "$m.new" "$m"; done
echo "# $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; $(date -u +%F)"
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
rm -rf "$work"
