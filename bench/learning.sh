#!/usr/bin/env bash
# Compares three ways of planning on the same registries: the learning planner
# (learned_priority true, the default), today's rules (learned_priority false), and
# round-robin (every cycle queues the next max_concurrent_tasks (model, kind) pairs in a
# fixed rotation over training, optimization, architecture). Each registry is built
# once and copied for each planner; each copy runs CYCLES forced cycles. Prints one
# JSON line per registry and planner: tasks, promotions, the sum of the gains the gate
# promoted, CPU-seconds of all tasks, and gain per CPU-second; then the ratios.
#   bench/learning.sh [CYCLES] [nimp binary] [REPEATS] [REGISTRIES (default: "examples wide ceiling")]
# With KEEP=DIR, each run's registry is kept as DIR/REGISTRY-REPEAT-PLANNER for reading.
set -euo pipefail
cycles=${1:-30}
nimp=$(realpath "${2:-.build/release/nimp}")
repeats=${3:-1}
registries=${4:-examples wide ceiling}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# examples: the five example models. wide: 8 models (4 generators × 2 sizes) with
# targets they are far from: quality, and a size target that optimization can meet.
# ceiling: 4 weak models of the generators (8 units, 2 epochs) beside 4 models trained
# well on the same generators' rows with label noise (uniform, ±0.3), whose target
# r2=0.999 no model can reach: a registry where some models are at their data's limit.
build() {
    local kind=$1 reg=$2 seed=$3
    "$nimp" registry --registry "$reg" init -q $([[ $kind == examples ]] && echo --examples)
    [[ $kind == examples ]] && return
    [[ $kind == ceiling ]] && { build_ceiling "$reg" "$seed"; return; }
    for g in dopamine cortisol serotonin growth; do
        "$nimp" gen-data --generator "signal/$g" --samples 2000 --seed "$seed" -o "$work/$g.safetensors" -q
        for h in 8 32,32; do
            local id="$g-${h//,/x}"
            "$nimp" train --data "$work/$g.safetensors" --hidden "$h" --epochs 2 --seed "$seed" -o "$work/$id.nimp" -q > /dev/null
            "$nimp" registry --registry "$reg" add "$id" "$work/$id.nimp" --generator "signal/$g" --samples 2000 \
                --target r2=0.999 --target parameters=100 -q > /dev/null
        done
    done
}

build_ceiling() {
    local reg=$1 seed=$2
    for g in dopamine cortisol serotonin growth; do
        "$nimp" gen-data --generator "signal/$g" --samples 2000 --seed "$seed" -o "$work/$g.csv" -q
        awk -F, -v OFS=, -v seed="$seed" 'BEGIN { srand(seed) } NR > 1 { $NF += 0.6 * (rand() - 0.5) } { print }' \
            "$work/$g.csv" > "$work/$g-noisy.csv"
        "$nimp" train --data "$work/$g.csv" --target "$g" --hidden 8 --epochs 2 --seed "$seed" -o "$work/$g-weak.nimp" -q > /dev/null
        "$nimp" registry --registry "$reg" add "$g-weak" "$work/$g-weak.nimp" --generator "signal/$g" --samples 2000 \
            --target r2=0.999 -q > /dev/null
        "$nimp" train --data "$work/$g-noisy.csv" --target "$g" --hidden 32,32 --epochs 200 --patience 10 --validation-split 0.1 \
            --seed "$seed" -o "$work/$g-noisy.nimp" -q > /dev/null
        "$nimp" registry --registry "$reg" add "$g-noisy" "$work/$g-noisy.nimp" --data "$work/$g-noisy.csv" --target-column "$g" \
            --target r2=0.999 -q > /dev/null
    done
}

round_robin_queue() {
    local reg=$1 n=$2
    mapfile -t models < <("$nimp" registry --registry "$reg" list --format json | jq -r .id)
    local kinds=(training optimization architecture) pairs=$(( ${#models[@]} * 3 ))
    for i in 1 2 3; do
        local k=$(( (n * 3 + i - 1) % pairs ))
        "$nimp" task add "${models[$(( k / 3 ))]}" --kind "${kinds[$(( k % 3 ))]}" --registry "$reg" -q > /dev/null
    done
}

run() {
    local reg=$1 planner=$2
    case $planner in
        learned) "$nimp" registry --registry "$reg" config learned_priority true > /dev/null 2>&1 ;;
        *) "$nimp" registry --registry "$reg" config learned_priority false > /dev/null 2>&1 ;;
    esac
    for n in $(seq 0 $(( cycles - 1 ))); do
        [[ $planner == round-robin ]] && round_robin_queue "$reg" "$n"
        "$nimp" cycle --registry "$reg" --force --budget-seconds 20 --jobs 1 -q > /dev/null
    done
    "$nimp" registry --registry "$reg" history --type task --format json \
        | jq -sc --arg planner "$planner" '({planner: $planner, tasks: length, promoted: (map(select(.promoted)) | length),
              gain: (map(select(.promoted) | .gain) | add // 0), cpu_seconds: (map(.cpu_seconds // 0) | add // 0)}
              | .gain_per_cpu_second = (if .cpu_seconds > 0 then .gain / .cpu_seconds else 0 end)) as $total
              | $total + {by_kind: (group_by(.task_type) | map({key: .[0].task_type, value: {tasks: length,
                  cpu_seconds: (map(.cpu_seconds // 0) | add * 100 | round / 100), gain: (map(select(.promoted) | .gain) | add // 0 | . * 1000 | round / 1000)}}) | from_entries)}'
}

for kind in $registries; do
    for r in $(seq 1 "$repeats"); do
        build "$kind" "$work/base" "$r"
        for planner in learned rules round-robin; do
            rm -rf "$work/$planner"
            cp -a "$work/base" "$work/$planner"
            run "$work/$planner" "$planner" | jq -c --arg registry "$kind" --argjson repeat "$r" '{registry: $registry, repeat: $repeat} + .'
            if [[ -n ${KEEP:-} ]]; then
                mkdir -p "$KEEP" && rm -rf "$KEEP/$kind-$r-$planner" && cp -a "$work/$planner" "$KEEP/$kind-$r-$planner"
            fi
        done
        rm -rf "$work/base"
    done
done | tee "$work/results.jsonl"
jq -sc 'def rate(p): map(select(.planner == p)) | (map(.gain) | add) / (map(.cpu_seconds) | add);
        group_by(.registry)[] | {registry: .[0].registry, learned: rate("learned"), rules: rate("rules"), round_robin: rate("round-robin")}
        | .learned_vs_rules = .learned / .rules | .learned_vs_round_robin = .learned / .round_robin' "$work/results.jsonl"
lscpu | grep -E '^(Model name|CPU\(s\)):' | sed 's/  */ /g'
