#!/usr/bin/env bash
# Compares three ways of planning on the same registries: the learning planner
# (learned_priority true, the default), today's rules (learned_priority false), and
# round-robin (every cycle queues the next max_concurrent_tasks (model, kind) pairs in a
# fixed rotation over training, optimization, architecture). Each registry is built
# once and copied for each planner; each copy runs CYCLES forced cycles. Prints one
# JSON line per registry and planner: tasks, promotions, CPU-seconds of all tasks, and
# two gains per CPU-second: held-out (`audit_gain`: for each promotion, ln(error before /
# error after) of the quality metric the gate tested (error = 1 − R², 1 − accuracy) on the
# model's audit rows, which no decision reads, summed: per model, the e-folds its audit
# error fell over the run, whatever the path, so a version made worse and then repaired
# gains nothing) and the gate's (`gain`: the relative gains the gate promoted on, on the
# eval rows and the task's own metric, so size gains count, and so does each repair);
# then the ratios of both. `audit_points` is the plain change of the quality metric on
# the audit rows (R² or accuracy points, summed over models).
#   bench/learning.sh [CYCLES] [nimp binary] [REPEATS] [REGISTRIES (default: "examples wide ceiling")]
# Run it on an otherwise idle machine: above a load of 1.5 per core the cycle's high_load
# trigger shrinks architecture searches, so planners measured at different loads differ
# by what else ran. With KEEP=DIR, each run's registry is kept as DIR/REGISTRY-REPEAT-PLANNER for reading;
# FROM=DIR summarizes such kept registries again instead of running; FIRST_REPEAT=N starts
# at seed N (to add seeds to an earlier run).
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
    summarize "$reg" "$planner"
}

summarize() {
    local reg=$1 planner=$2
    "$nimp" registry --registry "$reg" history --type task --format json \
        | jq -sc --arg planner "$planner" '
              # A promotion on the audit rows, on the quality metric the gate tested: its points (after − before), and
              # ln(error before / error after).
              def audit_pair: if .promoted and (.evidence.metric // null) != null and (.audit_after[.evidence.metric] // null) != null
                  and (.audit_before[.evidence.metric] // null) != null then [.evidence.metric, .audit_before[.evidence.metric], .audit_after[.evidence.metric]] else null end;
              def error(m; v): if m == "r2" or m == "accuracy" or m == "macro_f1" then 1 - v else v end;
              def audit_points: audit_pair as $p | if $p then $p[2] - $p[1] else 0 end;
              def audit_gain: audit_pair as $p | if $p then ([error($p[0]; $p[1]), 1e-9] | max | log) - ([error($p[0]; $p[2]), 1e-9] | max | log) else 0 end;
              ({planner: $planner, tasks: length, promoted: (map(select(.promoted)) | length),
              audit_gain: (map(audit_gain) | add // 0), audit_points: (map(audit_points) | add // 0), gain: (map(select(.promoted) | .gain) | add // 0),
              cpu_seconds: (map(.cpu_seconds // 0) | add // 0)}
              | .audit_gain_per_cpu_second = (if .cpu_seconds > 0 then .audit_gain / .cpu_seconds else 0 end)
              | .gain_per_cpu_second = (if .cpu_seconds > 0 then .gain / .cpu_seconds else 0 end)) as $total
              | $total + {by_kind: (group_by(.task_type) | map({key: .[0].task_type, value: {tasks: length,
                  cpu_seconds: (map(.cpu_seconds // 0) | add * 100 | round / 100), audit_gain: (map(audit_gain) | add // 0 | . * 1000 | round / 1000), audit_points: (map(audit_points) | add // 0 | . * 10000 | round / 10000),
                  gain: (map(select(.promoted) | .gain) | add // 0 | . * 1000 | round / 1000)}}) | from_entries)}'
}

if [[ -n ${FROM:-} ]]; then
    # Summarize registries an earlier run kept (KEEP=DIR), without running anything.
    for reg in "$FROM"/*-*-*; do
        IFS=- read -r kind r planner <<< "$(basename "$reg")"
        summarize "$reg" "$planner" | jq -c --arg registry "$kind" --argjson repeat "$r" '{registry: $registry, repeat: $repeat} + .'
    done
else
for kind in $registries; do
    for r in $(seq "${FIRST_REPEAT:-1}" "$repeats"); do
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
done
fi | tee "$work/results.jsonl"
jq -sc 'def rate(p; g): map(select(.planner == p)) | (map(.[g]) | add) / (map(.cpu_seconds) | add);
        def ratio(a; b): if b > 0 then a / b else null end;
        group_by(.registry)[] | {registry: .[0].registry,
            audit: {learned: rate("learned"; "audit_gain"), rules: rate("rules"; "audit_gain"), round_robin: rate("round-robin"; "audit_gain")},
            gate: {learned: rate("learned"; "gain"), rules: rate("rules"; "gain"), round_robin: rate("round-robin"; "gain")}}
        | .audit.learned_vs_rules = ratio(.audit.learned; .audit.rules) | .audit.learned_vs_round_robin = ratio(.audit.learned; .audit.round_robin)
        | .gate.learned_vs_rules = ratio(.gate.learned; .gate.rules) | .gate.learned_vs_round_robin = ratio(.gate.learned; .gate.round_robin)' "$work/results.jsonl"
lscpu | grep -E '^(Model name|CPU\(s\)):' | sed 's/  */ /g'
