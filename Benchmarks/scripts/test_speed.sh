#!/usr/bin/env bash
# Speed of `cvar-audit test`: B = 9,999 permutations, K = 4,096 groups, one
# core, release build. The hidden --timing flag separates reading the CSV
# from the test itself (audit + permutations + per-group p-values).
#   Benchmarks/scripts/test_speed.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rows="${1:-1000000}"
swift build -c release --static-swift-stdlib --product cvar-audit >/dev/null
csv="$(mktemp --suffix=.csv)"
trap 'rm -f "$csv"' EXIT
python3 Benchmarks/scripts/make_groups_csv.py 4096 "$rows" 1 "$csv"
for statistic in l2 max cvar; do
  echo "== K = 4096, rows = $rows, B = 9999, statistic $statistic"
  OPENBLAS_NUM_THREADS=1 taskset -c 0 .build/release/cvar-audit test --input "$csv" --group-by group --label label \
    --prediction prediction --statistic "$statistic" --permutations 9999 --timing --format json 2>&1 >/dev/null | grep timing
done
