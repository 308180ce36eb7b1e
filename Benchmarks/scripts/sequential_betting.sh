#!/usr/bin/env bash
# The betting e-process (the default sequential method) against the
# fixed-sample L2 test (docs/guide/sequential.md, docs/method.md §10).
#
# Cells: K in {16, 256, 1024, 4096} x shares {uniform, zipf:1} x samplers
# {iid, stratified, two-stage, adaptive}:
#  - alternative: simulate's flat-tail cell (base rate 0.3, CVaR_0.1 = eps = 0.1
#    on weight alpha = 0.1, audit weights = shares, population reference,
#    tolerance 0: the fixed-sample tests' null of no disparity). ALT_RUNS
#    seeded streams, each stopped at the decision or at ALT_HORIZON rows;
#    median / p90 rows to decision (a stream without one counts as the horizon).
#    two-stage blocks (64 rows) also feed the block-variance e-process, averaged
#    with the CVaR contrast's (tolerance 0 with weights = shares: the null is no
#    disparity).
#  - null: every group at 0.3, tolerance 0 (every contrast has mean exactly 0),
#    Zipf or equal shares, the weights equal to the shares (as in the
#    alternatives: the no-disparity null of the averaged e-value, the row-wise
#    L2 contrast's or, for two-stage, the blocks'); NULL_RUNS streams of NULL_HORIZON
#    rows; a stream counts if it EVER declares a violation (checked after
#    every row; streams go on after other decisions). Run with
#    --e-processes-only: the betting method's violations depend only on its
#    e-processes, so the confidence sequences are skipped (the same counts,
#    SequentialValidityTests checks it). two-stage also with --l2-test (the
#    block-variance e-process as the L2 test; either rejection counts).
#  - boundary: known reference 0.3, alpha = 0.25, the alpha*K rarest groups
#    at 0.3 + 0.1 = tolerance (CVaR = eps0 exactly), same counting.
#  - n*: `cvar-audit simulate --tests l2 --alternatives flat-tail --power 0.8`
#    (iid, stratified, two-stage; Monte-Carlo calibration), the fixed-sample
#    size the alternative cells are compared with (adaptive against iid).
# Usage: Benchmarks/scripts/sequential_betting.sh [ALT_RUNS] [NULL_RUNS] [ALT_HORIZON] [NULL_HORIZON] [PARTS]
#   BIN=path/to/cvar-audit to use a built binary (else a release build).
#   PARTS: a comma-separated subset of alt,null,boundary (default all three);
#   with a subset the JSON lines are appended to the existing file (and n* is
#   not recomputed without alt), for re-running only the cells a change can
#   affect.
# Writes Benchmarks/results/sequential_betting.jsonl, sequential_betting_nstar.csv
# and sequential_betting.md (the table).
set -euo pipefail
cd "$(dirname "$0")/../.."
ALT_RUNS=${1:-1000}
NULL_RUNS=${2:-1000}
ALT_HORIZON=${3:-1000000}
NULL_HORIZON=${4:-1000000}
PARTS=${5:-alt,null,boundary}
has() { [[ ",$PARTS," == *",$1,"* ]]; }
if [ -z "${BIN:-}" ]; then
  swift build -c release --product cvar-audit >/dev/null
  BIN=.build/release/cvar-audit
fi
OUT=Benchmarks/results/sequential_betting.jsonl
NSTAR=Benchmarks/results/sequential_betting_nstar.csv
TABLE=Benchmarks/results/sequential_betting.md
START=$(date +%s)
if has alt; then
  "$BIN" simulate --groups 16,256,1024,4096 --profiles uniform,zipf:1 --tests l2 --alternatives flat-tail \
    --samplers iid,stratified,two-stage --power 0.8 --replicates 500 --calibration-replicates 1000 --seed 2029 \
    --format csv --no-progress > "$NSTAR"
fi
if [ "$PARTS" = alt,null,boundary ]; then : > "$OUT"; fi
run() { "$BIN" simulate-sequential "$@" | tr -d '\n' >> "$OUT"; echo >> "$OUT"; }
for K in 16 256 1024 4096; do
  for Z in 0 1; do
    for S in iid stratified two-stage adaptive; do
      if has alt; then
        run --scenario flat-tail --zipf "$Z" --groups "$K" --sampler "$S" --runs "$ALT_RUNS" --horizon "$ALT_HORIZON" --seed 2030
      fi
    done
  done
done
for K in 16 256 1024 4096; do
  for U in "" --unbalanced; do
    # Zipf nulls with the weights equal to the shares, as in the alternative
    # cells: tolerance 0 is then the no-disparity null whose violation
    # e-value averages the CVaR contrast with the L2 contrast (blocks for
    # two-stage). (Equal shares: the uniform weights are the shares already.)
    W=""; [ -n "$U" ] && W=--weights-from-shares
    for S in iid stratified two-stage adaptive; do
      if has null; then
        run --scenario null $U $W --groups "$K" --sampler "$S" --runs "$NULL_RUNS" --horizon "$NULL_HORIZON" --seed 2031 \
          --e-processes-only
      fi
      if has boundary; then
        run --scenario boundary $U --alpha 0.25 --tolerance 0.1 --groups "$K" --sampler "$S" --runs "$NULL_RUNS" \
          --horizon "$NULL_HORIZON" --seed 2032 --e-processes-only
      fi
    done
    if has null; then
      run --scenario null $U $W --groups "$K" --sampler two-stage --l2-test --runs "$NULL_RUNS" \
        --horizon "$NULL_HORIZON" --seed 2033 --e-processes-only
    fi
  done
done
python3 Benchmarks/scripts/sequential_betting_table.py "$OUT" "$NSTAR" \
  "${TABLE_COMMAND:-Benchmarks/scripts/sequential_betting.sh $ALT_RUNS $NULL_RUNS $ALT_HORIZON $NULL_HORIZON $PARTS}" \
  "$(( $(date +%s) - START ))" > "$TABLE"
cat "$TABLE"
