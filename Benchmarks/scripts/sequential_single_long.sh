#!/usr/bin/env bash
# The single alternative (one bad group at max gap 0.1) where its fixed-sample
# n* lies beyond the 10^6-row horizon of sequential_alternatives.sh: each cell
# runs to a horizon of 3 x n* (its own n* from sequential_alternatives_nstar.csv;
# adaptive against iid's), so a median below the horizon is within 3 x n* and
# one at the horizon is not.
# Usage: Benchmarks/scripts/sequential_single_long.sh [RUNS] [SET]
#   SET short (default): the cells with 3 x n* <= 10^7 rows
#     (K = 256 Zipf, K = 1,024 equal shares), written to
#     Benchmarks/results/sequential_single_long.{jsonl,md}.
#   SET long: K = 1,024 Zipf (iid, stratified, adaptive) and K = 4,096 equal
#     shares (iid, adaptive: with equal shares stratified draws from
#     w^(2/3) = the shares, the same stream as iid under the same seed, as
#     every equal-share row of the other tables shows), 3 x n* = 3.2 x 10^7 to
#     6.2 x 10^7 rows per stream, written to
#     Benchmarks/results/sequential_single_longer.{jsonl,md}. Not run at all:
#     K = 4,096 Zipf, whose n* is 1.0-1.9 x 10^8 rows (3 x n* above the
#     simulator's 10^8-row horizon limit).
#   BIN=path/to/cvar-audit to use a built binary (else a release build).
# Needs Benchmarks/results/sequential_alternatives_nstar.csv (run
# sequential_alternatives.sh first).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-100}
SET=${2:-short}
if [ -z "${BIN:-}" ]; then
  swift build -c release --product cvar-audit >/dev/null
  BIN=.build/release/cvar-audit
fi
NSTAR=Benchmarks/results/sequential_alternatives_nstar.csv
case "$SET" in
  short)
    NAME=sequential_single_long
    CELLS=("256 1 iid" "256 1 stratified" "256 1 adaptive" "1024 0 iid" "1024 0 stratified" "1024 0 adaptive") ;;
  long)
    NAME=sequential_single_longer
    CELLS=("1024 1 iid" "1024 1 stratified" "1024 1 adaptive" "4096 0 iid" "4096 0 adaptive") ;;
  *) echo "SET must be short or long, not '$SET'" >&2; exit 2 ;;
esac
OUT=Benchmarks/results/$NAME.jsonl
TABLE=Benchmarks/results/$NAME.md
START=$(date +%s)
: > "$OUT"
# K, Zipf exponent, sampler.
for CELL in "${CELLS[@]}"; do
  set -- $CELL
  PROFILE=uniform; [ "$2" = 1 ] && PROFILE=zipf:1
  REF=$3; [ "$3" = adaptive ] && REF=iid
  N=$(python3 -c "import csv,sys; print(next(r['samples'] for r in csv.DictReader(open('$NSTAR')) if r['alternative']=='single' and r['groups']=='$1' and r['profile']=='$PROFILE' and r['sampler']=='$REF'))")
  "$BIN" simulate-sequential --scenario single --zipf "$2" --groups "$1" --sampler "$3" --runs "$RUNS" \
    --horizon $(( 3 * N )) --seed 2030 | tr -d '\n' >> "$OUT"
  echo >> "$OUT"
done
ARGS="$RUNS"; [ "$SET" = short ] || ARGS="$RUNS $SET"
python3 Benchmarks/scripts/sequential_betting_table.py "$OUT" "$NSTAR" \
  "Benchmarks/scripts/sequential_single_long.sh $ARGS" "$(( $(date +%s) - START ))" > "$TABLE"
cat "$TABLE"
