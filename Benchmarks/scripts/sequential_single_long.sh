#!/usr/bin/env bash
# The single alternative (one bad group at max gap 0.1) where its fixed-sample
# n* lies beyond the 10^6-row horizon of sequential_alternatives.sh but 3 x n*
# is still affordable: each cell runs to a horizon of 3 x n* (its own n* from
# sequential_alternatives_nstar.csv; adaptive against iid's), so a median
# below the horizon is within 3 x n* and one at the horizon is not.
# Usage: Benchmarks/scripts/sequential_single_long.sh [RUNS]
#   BIN=path/to/cvar-audit to use a built binary (else a release build).
# Needs Benchmarks/results/sequential_alternatives_nstar.csv (run
# sequential_alternatives.sh first). Writes
# Benchmarks/results/sequential_single_long.{jsonl,md}.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-100}
if [ -z "${BIN:-}" ]; then
  swift build -c release --product cvar-audit >/dev/null
  BIN=.build/release/cvar-audit
fi
NSTAR=Benchmarks/results/sequential_alternatives_nstar.csv
OUT=Benchmarks/results/sequential_single_long.jsonl
TABLE=Benchmarks/results/sequential_single_long.md
START=$(date +%s)
: > "$OUT"
# K, Zipf exponent, sampler: the cells with 10^6 < n* and 3 x n* <= 10^7.
for CELL in "256 1 iid" "256 1 stratified" "256 1 adaptive" "1024 0 iid" "1024 0 stratified" "1024 0 adaptive"; do
  set -- $CELL
  PROFILE=uniform; [ "$2" = 1 ] && PROFILE=zipf:1
  REF=$3; [ "$3" = adaptive ] && REF=iid
  N=$(python3 -c "import csv,sys; print(next(r['samples'] for r in csv.DictReader(open('$NSTAR')) if r['alternative']=='single' and r['groups']=='$1' and r['profile']=='$PROFILE' and r['sampler']=='$REF'))")
  "$BIN" simulate-sequential --scenario single --zipf "$2" --groups "$1" --sampler "$3" --runs "$RUNS" \
    --horizon $(( 3 * N )) --seed 2030 | tr -d '\n' >> "$OUT"
  echo >> "$OUT"
done
python3 Benchmarks/scripts/sequential_betting_table.py "$OUT" "$NSTAR" \
  "Benchmarks/scripts/sequential_single_long.sh $RUNS" "$(( $(date +%s) - START ))" > "$TABLE"
cat "$TABLE"
