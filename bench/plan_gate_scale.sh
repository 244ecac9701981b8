#!/usr/bin/env bash
# Plan and gate at scale (issue 15): a registry of MODELS models that all miss their target,
# `nimp cycle plan` writing one task file each, every task run with GNU parallel, then
# `nimp cycle gate` over all the results. Prints a Markdown table: wall seconds and peak
# RSS of plan and gate, and the tasks' own throughput.
#   bench/plan_gate_scale.sh [nimp binary] [models]      (default: 10000; needs parallel)
# The models are copies of one tiny regression model (bench/registry_fixture.py) trained
# on 300 rows, so the tasks are cheap and plan and gate dominate.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
nimp=$(realpath "${1:-$root/.build/release/nimp}")
models=${2:-10000}
command -v parallel >/dev/null || { echo "GNU parallel is needed (apt-get install parallel)" >&2; exit 69; }
work=${NIMP_BENCH_OUT:-$(mktemp -d /tmp/nimp-plan-gate.XXXXXX)}
mkdir -p "$work"
cd "$work"
digits=${#models}
first="m$(printf "%0${digits}d" 1)"
peak() { /usr/bin/time -f '%e %M' "$@" 2>&1 >/dev/null | tail -1; }

"$nimp" gen-data --generator signal/dopamine --samples 300 -o d.safetensors -q
"$nimp" gen-data --generator signal/dopamine --samples 100 --seed 2 -o e.safetensors -q
"$nimp" train --data d.safetensors --hidden 2 --epochs 1 -o small.nimp --metrics /dev/null -q
rm -rf R P
"$nimp" registry --registry R init -q
"$nimp" registry --registry R add "$first" small.nimp --data d.safetensors --eval e.safetensors --target r2=0.9999 -q >/dev/null
jq '.genome.epochs = 2' "R/models/$first/model.json" > m.json && mv m.json "R/models/$first/model.json"
"$nimp" registry --registry R config max_concurrent_tasks "$models" >/dev/null 2>&1
"$nimp" registry --registry R config genetic_architecture_search false >/dev/null 2>&1
python3 "$root/bench/registry_fixture.py" R "$models" 1 "$digits"
"$nimp" registry --registry R verify -q >/dev/null || { echo "the fixture registry does not verify clean" >&2; exit 1; }

echo "# $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; $(date -u +%F); $models models; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| step | wall s | peak RSS MiB | goal |"
echo "|---|---|---|---|"
read -r s kb < <(peak "$nimp" cycle plan --registry R -o P --force -q)
tasks=$(ls P/tasks | wc -l)
echo "| nimp cycle plan, $models models → $tasks task files | $s | $((kb / 1024)) | < 10 s, < 200 MiB |"
t0=$(date +%s.%N)
find P/tasks -name '*.json' | parallel -j "$(nproc)" "$nimp" task run --executor parallel -q {} >/dev/null
t1=$(date +%s.%N)
results=$(ls P/results | grep -c 'result.json$')
echo "| $tasks × nimp task run with parallel -j $(nproc) | $(echo "$t0 $t1" | awk '{printf "%.1f", $2-$1}') | – | $(echo "$t0 $t1 $results" | awk '{printf "%.0f", $3/($2-$1)*3600}') tasks/hour |"
# NIMP_BENCH_KEEP=1 keeps the registry and plan as they were before the gate, to gate again.
[[ "${NIMP_BENCH_KEEP:-0}" == 1 ]] && { rm -rf pre-gate; mkdir pre-gate; cp -a R P pre-gate/; }
read -r s kb < <(peak "$nimp" cycle gate P --registry R -q)
promoted=$(grep '"type":"cycle"' R/history.jsonl | tail -1 | jq .promoted)
echo "| nimp cycle gate, $results result files ($promoted promoted) | $s | $((kb / 1024)) | < 10 s, < 200 MiB |"
read -r s kb < <(peak "$nimp" registry --registry R verify -q)
echo "| nimp registry verify after the gate | $s | $((kb / 1024)) | – |"
echo
echo "Load after: $(cut -d' ' -f1-3 /proc/loadavg). Files in $work."
