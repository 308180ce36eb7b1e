#!/usr/bin/env bash
# The planner's sizes (`cvar-audit plan`, CVaRPlanning.SamplePlanner) against
# the simulated sample complexity n* (`cvar-audit simulate`): K × design, with
# bound, n* and bound/n* (README: "How far the sizes are from simulation").
#
# Grid: uniform and Zipf(1.1) population shares (audit weights = shares),
# K in {10, 40, 160, 640, 2560}, base rate 0.3, α = ε = 0.1, δ = 0.05,
# power 0.9. CVaR L2 (i.i.d., stratified, two-stage) against Δ = ε on weight α,
# max gap (i.i.d.) against one bad group.
#  - Monte-Carlo calibration (exact null quantile) against the normal planner;
#  - bound calibration (Cantelli threshold, σ² ≤ 1/4) against the Cantelli
#    planner, at K in {40, 2560} (L2 only: the simulated max-gap bound test is
#    Hoeffding, the planner's Cantelli max-gap size is Bonferroni–Hoeffding).
# R replicates per power estimate, R0 null replicates per critical value, seed SEED.
# Usage: Benchmarks/scripts/planner_vs_simulation.sh [R] [R0] [SEED]
# Writes Benchmarks/results/planner_vs_simulation.csv and prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/../.."
R=${1:-400}
R0=${2:-800}
SEED=${3:-15}
swift build -c release --static-swift-stdlib --product cvar-audit >/dev/null
BIN=.build/release/cvar-audit
OUT=Benchmarks/results/planner_vs_simulation.csv
start=$(date +%s)
common=(--alpha 0.1 --epsilon 0.1 --base-rate 0.3 --delta 0.05 --power 0.9
        --replicates "$R" --calibration-replicates "$R0" --seed "$SEED" --format csv --no-progress)
{
  "$BIN" simulate --groups 10,40,160,640,2560 --profiles uniform,zipf:1.1 --alternatives flat-tail --tests l2 \
    --samplers iid,stratified,two-stage --calibrations monte-carlo "${common[@]}"
  "$BIN" simulate --groups 10,40,160,640,2560 --profiles uniform,zipf:1.1 --alternatives single --tests max-gap \
    --samplers iid --calibrations monte-carlo "${common[@]}" | tail -n +2
  "$BIN" simulate --groups 40,2560 --profiles uniform,zipf:1.1 --alternatives flat-tail --tests l2 \
    --samplers iid,stratified,two-stage --calibrations bound "${common[@]}" | tail -n +2
} > "$OUT"
seconds=$(( $(date +%s) - start ))
python3 - "$OUT" "$R" "$R0" "$SEED" "$seconds" <<'EOF'
import csv, sys
path, R, R0, seed, seconds = sys.argv[1:]
rows = list(csv.DictReader(open(path)))
print(f"Planner size (bound) against simulated n*: R = {R}, R0 = {R0}, seed {seed}, {seconds} s wall time.")
print("monte-carlo rows: normal planner; bound rows: Cantelli planner. Base rate 0.3, α = ε = 0.1, δ = 0.05, power 0.9.")
print()
print("| calibration | profile | K | design | bound | n* | bound/n* | power at n* | type I at n* |")
print("|---|---|---:|---|---:|---:|---:|---:|---:|")
name = {("max-gap", "iid"): "max gap, i.i.d.", ("l2", "iid"): "L2, i.i.d.", ("l2", "stratified"): "L2, stratified",
        ("l2", "two-stage"): "L2, two-stage"}
order = list(name)
num = lambda x: f"{float(x):.3f}" if x else "—"
rows.sort(key=lambda r: (r["calibration"] != "monte-carlo", r["profile"], int(r["groups"]),
                         order.index((r["test"], r["sampler"]))))
for r in rows:
    ratio = f"{float(r['bound_over_samples']):.2f}" if r["bound_over_samples"] else "—"
    n = f"{int(r['samples']):,}" if r["samples"] else "not reached"
    bound = f"{int(r['bound_samples']):,}" if r["bound_samples"] else "not reachable"
    print(f"| {r['calibration']} | {r['profile']} | {r['groups']} | {name[(r['test'], r['sampler'])]} | {bound} | {n} | "
          f"{ratio} | {num(r['power'])} | {num(r['type1_error'])} |")
EOF
