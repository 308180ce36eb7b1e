#!/usr/bin/env bash
# Power of the l2 and max permutation tests of `cvar-audit test` against an
# alternative of METHOD.md section 11 (default flat-tail: a share α = 0.1 of
# the groups at 0.3 + ε/(1 − w(A)), the rest at 0.3; single: one bad group;
# spread: a linear ramp), ε = 0.2, uniform groups, n rows split evenly.
# R = 500 replicates per cell, B = 199, δ = 0.05, both cores.
#   Benchmarks/scripts/power_crossover.sh [flat-tail|single|spread]
set -euo pipefail
alternative=${1:-flat-tail}
cd "$(dirname "$0")/../.."
swift build -c release --static-swift-stdlib --product cvar-audit >/dev/null
start=$(date +%s)
grid() { local k=$1; shift; local s=""; for m in "$@"; do s="$s,$((k * m))"; done; echo "${s#,}"; }
run() {
  OPENBLAS_NUM_THREADS=1 .build/release/cvar-audit test-study --groups "$1" --alternative "$alternative" --rate 0.3 --epsilon 0.2 \
    --samples "$2" --designs l2/permutation,max/permutation --replicates 500 --permutations 199 --seed 2
}
run 8 "$(grid 8 4 8 16 32 64 128 256)"
run 64 "$(grid 64 4 8 16 32 64 128 256)"
run 512 "$(grid 512 2 4 8 16 32 64 128 256)"
run 4096 "$(grid 4096 2 4 8 16 32 64)"
echo "script wall time $(( $(date +%s) - start )) s"
