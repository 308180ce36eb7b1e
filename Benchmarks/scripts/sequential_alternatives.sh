#!/usr/bin/env bash
# The betting e-process on the other alternatives of `cvar-audit simulate`
# (single: one bad group, the max-gap violation; spread: a linear ramp over every
# group with CVaR_0.1 = 0.1), against the fixed-sample L2 test's n* at power 0.8,
# as Benchmarks/scripts/sequential_betting.sh does for flat-tail (same cells:
# K in {16, 256, 1024, 4096} x shares {uniform, zipf:1} x samplers).
# Usage: Benchmarks/scripts/sequential_alternatives.sh [SPREAD_RUNS] [SINGLE_RUNS] [HORIZON]
#   BIN=path/to/cvar-audit to use a built binary (else a release build).
# Writes Benchmarks/results/sequential_alternatives.jsonl, sequential_alternatives_nstar.csv
# and sequential_alternatives.md (the table).
set -euo pipefail
cd "$(dirname "$0")/../.."
SPREAD_RUNS=${1:-1000}
SINGLE_RUNS=${2:-200}
HORIZON=${3:-1000000}
if [ -z "${BIN:-}" ]; then
  swift build -c release --product cvar-audit >/dev/null
  BIN=.build/release/cvar-audit
fi
OUT=Benchmarks/results/sequential_alternatives.jsonl
NSTAR=Benchmarks/results/sequential_alternatives_nstar.csv
TABLE=Benchmarks/results/sequential_alternatives.md
START=$(date +%s)
"$BIN" simulate --groups 16,256,1024,4096 --profiles uniform,zipf:1 --tests l2 --alternatives single,spread \
  --samplers iid,stratified,two-stage --power 0.8 --replicates 500 --calibration-replicates 1000 --seed 2029 \
  --format csv --no-progress > "$NSTAR"
: > "$OUT"
for A in spread single; do
  RUNS=$SPREAD_RUNS; [ "$A" = single ] && RUNS=$SINGLE_RUNS
  for K in 16 256 1024 4096; do
    for Z in 0 1; do
      for S in iid stratified two-stage adaptive; do
        "$BIN" simulate-sequential --scenario "$A" --zipf "$Z" --groups "$K" --sampler "$S" --runs "$RUNS" \
          --horizon "$HORIZON" --seed 2030 | tr -d '\n' >> "$OUT"
        echo >> "$OUT"
      done
    done
  done
done
python3 Benchmarks/scripts/sequential_betting_table.py "$OUT" "$NSTAR" \
  "Benchmarks/scripts/sequential_alternatives.sh $SPREAD_RUNS $SINGLE_RUNS $HORIZON" \
  "$(( $(date +%s) - START ))" > "$TABLE"
cat "$TABLE"
