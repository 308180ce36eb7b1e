#!/usr/bin/env bash
# Validity and cost of the sequential tester (README: "Sequential audits").
#
# For K in {4, 64, 1024} and every sampler:
#  - null of no disparity (all groups loss mean 0.3, Zipf population shares,
#    uniform weights, tolerance 0, population reference): RUNS runs of HORIZON
#    observations each; a run counts if it EVER rejects: a violation or (L2
#    test) a detected disparity, checked after every observation; the run
#    continues after other decisions. L2 test on except for adaptive.
#  - alternative (the rarest 20% of groups at 0.3 + GAP, tolerance 0.05):
#    ALT_RUNS runs, stopped at the decision; violation and disparityDetected
#    decisions; median and 90th percentile of the observations to decision
#    (a run without one counts as the horizon).
# Usage: Benchmarks/scripts/sequential_validity.sh [RUNS] [ALT_RUNS] [HORIZON] [GAP]
# Writes Benchmarks/results/sequential_validity.jsonl and prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-500}
ALT_RUNS=${2:-200}
HORIZON=${3:-100000}
GAP=${4:-0.25}
swift build -c release --static-swift-stdlib --product cvar-audit >/dev/null
BIN=.build/release/cvar-audit
OUT=Benchmarks/results/sequential_validity.jsonl
: > "$OUT"
for K in 4 64 1024; do
  for S in iid stratified two-stage adaptive; do
    L2=--l2-test; [ "$S" = adaptive ] && L2=
    "$BIN" simulate-sequential --scenario null --groups "$K" --unbalanced --sampler "$S" $L2 \
      --runs "$RUNS" --horizon "$HORIZON" --seed 2026 | tr -d '\n' >> "$OUT"; echo >> "$OUT"
    "$BIN" simulate-sequential --scenario alternative --gap "$GAP" --groups "$K" --unbalanced --sampler "$S" $L2 \
      --runs "$ALT_RUNS" --horizon "$HORIZON" --seed 2027 | tr -d '\n' >> "$OUT"; echo >> "$OUT"
  done
done
python3 - "$OUT" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
null = {(r["groups"], r["sampler"]): r for r in rows if r["scenario"] == "null"}
alt = {(r["groups"], r["sampler"]): r for r in rows if r["scenario"] == "alternative"}
print("| K | sampler | null runs | ever rejected (rate ± MC s.e.) | alt runs | violation | disparity detected | median obs | p90 obs |")
print("|---|---|---|---|---|---|---|---|---|")
for (k, s), n in null.items():
    a = alt[(k, s)]
    ns, as_ = n["summary"], a["summary"]
    h = a["horizon"]
    def fmt(x):
        return (">" if x >= h else "") + f"{int(x):,}"
    print(f"| {k} | {s}{' + L2' if n['l2Test'] else ''} | {ns['runs']} | {ns['rejectionRate']:.3f} ± {ns['rejectionStandardError']:.3f} | "
          f"{as_['runs']} | {as_['decisions'].get('violation', 0)} | {as_['decisions'].get('disparityDetected', 0)} | "
          f"{fmt(as_['medianObservations'])} | {fmt(as_['p90Observations'])} |")
PY
