#!/usr/bin/env bash
# Stress the registry: WORKERS processes promote, roll back, add versions, read, and
# kill each other (kill -9 at random moments and crashes at random failpoints) for
# SECONDS; then `nimp registry verify` must be clean and every history line intact.
#
#   scripts/stress-registry.sh [SECONDS=60] [WORKERS=4]
#
# NIMP=path/to/nimp picks the binary (default: .build/release/nimp, else .build/debug/nimp).
# Prints counts per outcome and exits non-zero if anything was lost or damaged.
set -u
SECONDS_TO_RUN=${1:-60}
WORKERS=${2:-4}
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
trap 'rm -rf "$WORK"' EXIT
export NIMP_REGISTRY=$REG

"$NIMP" gen-data --generator signal/dopamine --samples 300 --seed 1 -o "$WORK/train.safetensors" 2>/dev/null
"$NIMP" gen-data --generator signal/dopamine --samples 100 --seed 2 -o "$WORK/eval.safetensors" 2>/dev/null
"$NIMP" train --data "$WORK/train.safetensors" --hidden 4 --epochs 1 -o "$WORK/model.nimp" >/dev/null 2>&1
"$NIMP" registry init -q
"$NIMP" registry add m "$WORK/model.nimp" --data "$WORK/train.safetensors" --eval "$WORK/eval.safetensors" -q >/dev/null
for _ in 1 2 3; do "$NIMP" registry add m "$WORK/model.nimp" -q >/dev/null; done

# Failpoints a promote passes through, to crash at.
STEPS=(promote.begin promote.log.write promote.log.fsync promote.pointer-begin promote.pointer.create
       promote.pointer.write promote.pointer.fsync promote.pointer.rename promote.pointer.fsync-dir
       promote.history.write promote.history.fsync promote.done rollback.log.fsync rollback.pointer.rename
       rollback.history.write version.archive.rename version.index.write lock.record)

worker() {
  local id=$1 deadline=$2
  local log=$WORK/worker-$id.log
  while [ "$(date +%s)" -lt "$deadline" ]; do
    local versions=$(ls "$REG/models/m/versions" | grep -c '^v.*\.nimp$')
    local op=$((RANDOM % 12)) status kind
    case $op in
      0|1|2) kind=promote; "$NIMP" registry promote m $((RANDOM % versions + 1)) --wait 10 -q >/dev/null 2>>"$log"; status=$? ;;
      3|4)   kind=rollback; "$NIMP" registry rollback m --wait 10 -q >/dev/null 2>>"$log"; status=$? ;;
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
      10)    kind=read; "$NIMP" registry list >/dev/null 2>>"$log" && "$NIMP" registry show m >/dev/null 2>>"$log"; status=$? ;;
      11)    kind=verify; "$NIMP" registry verify -q >/dev/null 2>>"$log"; status=$? ;;
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
bad=$(awk '($1=="read"||$1=="verify") && $2!=0 {n++} $2!=0 && $2!=1 && $2!=75 && $2!=137 {n++} END {print n+0}' "$WORK/outcomes")
[ "$bad" -eq 0 ] || { echo "unexpected failures: $bad (stderr in the workers' logs)"; grep -h "error" "$WORK"/worker-*.log | sort | uniq -c | head; fail=1; }

echo "== final state"
"$NIMP" registry verify; [ $? -eq 0 ] || fail=1
history_err=$("$NIMP" registry history 2>&1 >/dev/null)
[ -z "$history_err" ] || { echo "history damaged: $history_err"; fail=1; }
lines=$(wc -l < "$REG/history.jsonl")
echo "history lines: $lines, all parse"
"$NIMP" registry history | sed 's/.*"type":"\([^"]*\)".*/\1/' | sort | uniq -c | awk '{printf "  %-14s %6d\n", $2, $1}'
echo "versions: $(ls "$REG/models/m/versions" | grep -c '\.nimp$'), champion: $(cat "$REG/models/m/champion")"
[ $fail -eq 0 ] && echo "stress: OK" || echo "stress: FAILED"
exit $fail
