#!/usr/bin/env bash
# Observations to decision for K = 1,024 beyond the main table: a larger gap
# (0.45) at horizon 10^5, and the default gap (0.25) at horizon 10^6
# (population reference; L2 rejections are disparityDetected decisions).
# Usage: Benchmarks/scripts/sequential_power_large_k.sh [RUNS]
# Writes Benchmarks/results/sequential_power_large_k.jsonl and prints a table.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-200}
swift build -c release --static-swift-stdlib --product cvar-audit >/dev/null
BIN=.build/release/cvar-audit
OUT=Benchmarks/results/sequential_power_large_k.jsonl
: > "$OUT"
for CASE in "0.45 100000" "0.25 1000000"; do
  set -- $CASE
  for S in iid stratified two-stage adaptive; do
    L2=--l2-test; [ "$S" = adaptive ] && L2=
    "$BIN" simulate-sequential --scenario alternative --gap "$1" --groups 1024 --unbalanced --sampler "$S" $L2 \
      --runs "$RUNS" --horizon "$2" --seed 2028 | tr -d '\n' >> "$OUT"; echo >> "$OUT"
  done
done
python3 - "$OUT" <<'PY'
import json, sys
print("| K | gap | horizon | sampler | runs | violation | disparity detected | median obs | p90 obs |")
print("|---|---|---|---|---|---|---|---|---|")
for l in open(sys.argv[1]):
    r = json.loads(l); s = r["summary"]; h = r["horizon"]
    fmt = lambda x: (">" if x >= h else "") + f"{int(x):,}"
    print(f"| {r['groups']} | {r['gap']} | {h:,} | {r['sampler']}{' + L2' if r['l2Test'] else ''} | {s['runs']} | {s['decisions'].get('violation', 0)} | {s['decisions'].get('disparityDetected', 0)} | {fmt(s['medianObservations'])} | {fmt(s['p90Observations'])} |")
PY
