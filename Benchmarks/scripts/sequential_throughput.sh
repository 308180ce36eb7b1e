#!/usr/bin/env bash
# Throughput of SequentialTester.observe with K = 1,024 groups (release build):
# observations drawn beforehand (iid, Zipf shares, Bernoulli(0.3) losses), then
# timed through the tester alone. Prints observations per second for a few
# repetitions, without and with the sequential L2 test.
# Usage: Benchmarks/scripts/sequential_throughput.sh [OBSERVATIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-5000000}
swift build -c release --static-swift-stdlib --product cvar-audit >/dev/null
BIN=.build/release/cvar-audit
for L2 in "" --l2-test; do
  for rep in 1 2 3; do
    "$BIN" simulate-sequential --measure-throughput --scenario null --unbalanced --groups 1024 \
      --horizon "$N" --tolerance 0.05 --seed "$rep" $L2 |
      python3 -c "import json,sys; d=json.load(sys.stdin); print(f\"K={d['groups']} l2={d['l2Test']} n={d['observations']:,} {d['observationsPerSecond']/1e6:.2f} M obs/s ({d['exactEvaluations']} exact CVaR evaluations)\")"
  done
done
