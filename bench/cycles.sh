#!/usr/bin/env bash
# Runs N forced cycles on a fresh example registry and prints, per model, the
# champion's held-out R² before and after, and every promotion's gain.
#   bench/cycles.sh [N] [nimp binary]
set -euo pipefail
n=${1:-20}
nimp=${2:-.build/release/nimp}
reg=$(mktemp -d)/registry
"$nimp" registry --registry "$reg" init --examples -q
"$nimp" registry --registry "$reg" list --format json | jq -c '{id, r2: .held_out.r2}' > "$reg.before"
start=$(date +%s.%N)
for i in $(seq 1 "$n"); do
  "$nimp" cycle --registry "$reg" --force -q | jq -c '{iteration, promoted, rejected, failed, models_improved, seconds: (.seconds*100|round/100), signals: (.signals|map_values(.*100|round/100))}'
done
end=$(date +%s.%N)
echo "# $n cycles in $(echo "$end - $start" | bc) s"
echo "| model | held-out R² before | after | versions | promotions (type: gain) |"
echo "|---|---|---|---|---|"
"$nimp" registry --registry "$reg" list --format json | while read -r line; do
  id=$(jq -r .id <<<"$line")
  before=$(jq -r --arg id "$id" 'select(.id == $id) | .r2' "$reg.before")
  after=$(jq -r '.held_out.r2' <<<"$line")
  versions=$(jq -r '.versions' <<<"$line")
  promos=$("$nimp" registry --registry "$reg" history --model "$id" --type task --format json \
    | jq -r 'select(.promoted) | "\(.task_type): \(.gain*1000|round/1000)"' | paste -sd, -)
  printf '| %s | %.4f | %.4f | %s | %s |\n' "$id" "$before" "$after" "$versions" "$promos"
done
# No promotion may be worse on held-out data than its parent.
worse=$("$nimp" registry --registry "$reg" history --type task --format json \
  | jq -s '[.[] | select(.promoted and .after.r2 < .before.r2)] | length')
echo "promotions worse than their parent on held-out R²: $worse"
"$nimp" registry --registry "$reg" verify
echo "registry: $reg"
