#!/usr/bin/env bash
# Stress the registry: WORKERS processes promote, roll back, add versions, read, and
# kill each other (kill -9 at random moments and crashes at random failpoints) for
# SECONDS; then `nimp registry verify` must be clean and every history line intact.
#
#   scripts/stress-registry.sh [SECONDS=60] [WORKERS=4] [--cycles]
#
# --cycles: workers also run `nimp cycle --force` (exit 0, or 75 when another writer
# holds the lock) over a registry whose model always has a training task, and readers
# check that what they read is whole: the exported champion is byte for byte one of the
# stored versions, signals.json and model.json parse. At the end every promote and
# rollback that exited 0 and changed the champion has exactly one history line (by its
# unique --reason), every completed cycle has its line, and iterations are 1, 2, 3…
#
# NIMP=path/to/nimp picks the binary (default: .build/release/nimp, else .build/debug/nimp).
# Prints counts per outcome and exits non-zero if anything was lost or damaged.
set -u
CYCLES=0
ARGS=()
for a in "$@"; do [ "$a" = --cycles ] && CYCLES=1 || ARGS+=("$a"); done
SECONDS_TO_RUN=${ARGS[0]:-60}
WORKERS=${ARGS[1]:-4}
cd "$(dirname "$0")/.."
NIMP=${NIMP:-}
if [ -z "$NIMP" ]; then
  for candidate in .build/release/nimp .build/debug/nimp; do
    [ -x "$candidate" ] && NIMP=$PWD/$candidate && break
  done
fi
[ -x "${NIMP:-}" ] || { echo "no nimp binary: run swift build -c release, or set NIMP" >&2; exit 1; }

WORK=$(mktemp -d /tmp/nimp-stress.XXXXXX)
REG=$WORK/reg
trap '[ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
export NIMP_REGISTRY=$REG

"$NIMP" gen-data --generator signal/dopamine --samples 300 --seed 1 -o "$WORK/train.safetensors" 2>/dev/null
"$NIMP" gen-data --generator signal/dopamine --samples 100 --seed 2 -o "$WORK/eval.safetensors" 2>/dev/null
"$NIMP" train --data "$WORK/train.safetensors" --hidden 4 --epochs 1 -o "$WORK/model.nimp" >/dev/null 2>&1
"$NIMP" registry init -q
"$NIMP" registry add m "$WORK/model.nimp" --data "$WORK/train.safetensors" --eval "$WORK/eval.safetensors" -q \
  $([ $CYCLES = 1 ] && echo --target r2=0.9999) >/dev/null
for _ in 1 2 3; do "$NIMP" registry add m "$WORK/model.nimp" -q >/dev/null; done
if [ $CYCLES = 1 ]; then
  # A short genome, so a cycle's training task takes a fraction of a second.
  jq '.genome.epochs = 3 | .genome.hidden = [4]' "$REG/models/m/model.json" > "$WORK/spec" && cp "$WORK/spec" "$REG/models/m/model.json"
fi

# Failpoints a promote passes through, to crash at.
STEPS=(promote.begin promote.log.write promote.log.fsync promote.pointer-begin promote.pointer.create
       promote.pointer.write promote.pointer.fsync promote.pointer.rename promote.pointer.fsync-dir
       promote.history.write promote.history.fsync promote.done rollback.log.fsync rollback.pointer.rename
       rollback.history.write version.archive.rename version.index.write lock.record)

# A reader's view must be whole: the champion it exports is one of the stored versions,
# byte for byte; signals.json and model.json parse.
check_read() {
  local id=$1 n=$2 out=$WORK/read-$1.nimp
  "$NIMP" registry export m -o "$out" -q 2>>"$WORK/worker-$id.log" || return 1
  local v
  v=$(tar -xOf "$out" manifest.json | jq -r .version) || return 1
  cmp -s "$out" "$REG/models/m/versions/$(printf 'v%04d.nimp' "$v")" || { echo "read $n: export of v$v differs from the stored archive" >> "$WORK/read-problems"; return 1; }
  for f in signals.json models/m/model.json config.json; do
    [ -s "$REG/$f" ] || continue
    jq -e . "$REG/$f" >/dev/null 2>&1 || { echo "read $n: $f is not whole JSON" >> "$WORK/read-problems"; return 1; }
  done
}

worker() {
  local id=$1 deadline=$2
  local log=$WORK/worker-$id.log n=0
  local ops=12
  [ $CYCLES = 1 ] && ops=15
  while [ "$(date +%s)" -lt "$deadline" ]; do
    n=$((n + 1))
    local versions=$(ls "$REG/models/m/versions" | grep -c '^v.*\.nimp$')
    local op=$((RANDOM % ops)) status kind out reason=w$id-$n
    case $op in
      0|1|2) kind=promote
             out=$("$NIMP" registry promote m $((RANDOM % versions + 1)) --reason "$reason" --wait 10 -q 2>>"$log"); status=$?
             [ $status = 0 ] && echo "$out" | grep -q '"changed":true' && echo "$reason" >> "$WORK/changes" ;;
      3|4)   kind=rollback
             out=$("$NIMP" registry rollback m --reason "$reason" --wait 10 -q 2>>"$log"); status=$?
             [ $status = 0 ] && echo "$reason" >> "$WORK/changes" ;;
      5)     kind=add; "$NIMP" registry add m "$WORK/model.nimp" --wait 10 -q $([ $((RANDOM % 2)) = 0 ] && echo --promote) >/dev/null 2>>"$log"; status=$? ;;
      6|7)   kind=crash
             NIMP_FAILPOINT=${STEPS[$((RANDOM % ${#STEPS[@]}))]} "$NIMP" registry promote m $((RANDOM % versions + 1)) --wait 10 -q >/dev/null 2>>"$log"
             status=$? ;;
      8|9)   kind=kill
             "$NIMP" registry promote m $((RANDOM % versions + 1)) --wait 10 -q >/dev/null 2>>"$log" &
             local pid=$!
             sleep "0.0$((RANDOM % 10))"
             kill -9 "$pid" 2>/dev/null
             wait "$pid"; status=$? ;;
      10)    kind=read; "$NIMP" registry list >/dev/null 2>>"$log" && "$NIMP" registry show m >/dev/null 2>>"$log"; status=$?
             if [ $status = 0 ] && [ $CYCLES = 1 ]; then check_read "$id" "$n"; status=$?; fi ;;
      11)    kind=verify; out=$("$NIMP" registry verify -q 2>>"$log"); status=$?; [ $status = 0 ] || echo "verify: $out" >> "$log" ;;
      12|13) kind=cycle
             out=$("$NIMP" cycle --force -q 2>>"$log"); status=$?
             [ $status = 0 ] && echo "$out" | jq -r .iteration >> "$WORK/cycles" ;;
      14)    kind=read; check_read "$id" "$n"; status=$? ;;
    esac
    echo "$kind $status" >> "$WORK/outcomes"
  done
}

deadline=$(( $(date +%s) + SECONDS_TO_RUN ))
# The workers' shells report their killed children on stderr: keep that out of the summary.
for i in $(seq 1 "$WORKERS"); do worker "$i" "$deadline" 2>/dev/null & done
wait

echo "== outcomes (operation exit-status count) over ${SECONDS_TO_RUN}s with $WORKERS workers"
sort "$WORK/outcomes" | uniq -c | sort -k2,2 -k3,3n | awk '{printf "%-9s %4s %6d\n", $2, $3, $1}'
fail=0
# Unexpected: a reader or verify that failed, or any exit other than ok / 1 (no previous
# champion) / 75 (lock busy) / 137 (killed).
bad=$(awk '($1=="read"||$1=="verify") && $2!=0 {n++} $1=="cycle" && $2!=0 && $2!=75 && $2!=137 {n++} $2!=0 && $2!=1 && $2!=75 && $2!=137 {n++} END {print n+0}' "$WORK/outcomes")
[ "$bad" -eq 0 ] || { echo "unexpected failures: $bad (stderr in the workers' logs)"; grep -h "error" "$WORK"/worker-*.log | sort | uniq -c | head; fail=1; }
[ -s "$WORK/read-problems" ] && { echo "readers saw damage:"; head "$WORK/read-problems"; fail=1; }

echo "== final state"
"$NIMP" registry verify; [ $? -eq 0 ] || fail=1
history_err=$("$NIMP" registry history 2>&1 >/dev/null)
[ -z "$history_err" ] || { echo "history damaged: $history_err"; fail=1; }
lines=$(wc -l < "$REG/history.jsonl")
echo "history lines: $lines, all parse"
"$NIMP" registry history | sed 's/.*"type":"\([^"]*\)".*/\1/' | sort | uniq -c | awk '{printf "  %-14s %6d\n", $2, $1}'
echo "versions: $(ls "$REG/models/m/versions" | grep -c '\.nimp$'), champion: $(cat "$REG/models/m/champion")"
# Nothing lost: each change that exited 0 has exactly one history line (its --reason).
lost=0
if [ -s "$WORK/changes" ]; then
  jq -r 'select(.type == "promote" or .type == "rollback") | .reason' "$REG/history.jsonl" | sort | uniq -c | awk '{print $2, $1}' > "$WORK/recorded"
  while read -r reason; do
    n=$(awk -v r="$reason" '$1 == r {print $2}' "$WORK/recorded")
    [ "${n:-0}" = 1 ] || { echo "change $reason has ${n:-0} history lines"; lost=$((lost + 1)); }
  done < "$WORK/changes"
fi
changes=$(wc -l < "$WORK/changes" 2>/dev/null || echo 0)
cycles_done=0
if [ $CYCLES = 1 ]; then
  cycles_done=$(wc -l < "$WORK/cycles" 2>/dev/null || echo 0)
  jq -r 'select(.type == "cycle") | .iteration' "$REG/history.jsonl" > "$WORK/cycle-lines"
  while read -r it; do grep -qx "$it" "$WORK/cycle-lines" || { echo "completed cycle $it has no history line"; lost=$((lost + 1)); }; done < "$WORK/cycles"
  # Iterations count up from 1 (a killed cycle writes no line, so numbers are not skipped).
  seq 1 "$(wc -l < "$WORK/cycle-lines")" | cmp -s - "$WORK/cycle-lines" || { echo "cycle iterations are not 1, 2, 3…: $(tr '\n' ' ' < "$WORK/cycle-lines" | head -c 300)"; lost=$((lost + 1)); }
fi
[ $lost -eq 0 ] || fail=1
ops=$(wc -l < "$WORK/outcomes")
echo "operations: $ops ($changes champion changes, $cycles_done completed cycles), lost or damaged: $lost"
if [ -n "${NIMP_RELIABILITY_REPORT:-}" ]; then
  printf '{"kind":"stress","seconds":%s,"workers":%s,"cycles":%s,"operations":%s,"changes":%s,"completed_cycles":%s,"lost":%s,"ok":%s}\n' \
    "$SECONDS_TO_RUN" "$WORKERS" "$CYCLES" "$ops" "$changes" "$cycles_done" "$lost" "$([ $fail = 0 ] && echo true || echo false)" >> "$NIMP_RELIABILITY_REPORT"
fi
[ $fail -eq 0 ] && echo "stress: OK" || echo "stress: FAILED"
exit $fail
