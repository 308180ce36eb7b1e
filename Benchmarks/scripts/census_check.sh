#!/usr/bin/env bash
# The large-K check of issue 12, run as a user would: the census-like file of
# make_census_csv.py (99,762 rows, six attributes, 4,563 groups, most of them tiny),
# audited and tested for the error rate and the false negative rate, and planned.
# Each command's text output goes to Benchmarks/results/census_check.txt with the
# command line and its line count, so that "does it fit on a screen" is measured.
# Usage: Benchmarks/scripts/census_check.sh [BIN]   (default: the release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-}
if [ -z "$BIN" ]; then
  swift build -c release --static-swift-stdlib --product cvar-audit >/dev/null
  BIN=.build/release/cvar-audit
fi
DATA=$(mktemp -d)/census.csv
python3 Benchmarks/scripts/make_census_csv.py "$DATA"
OUT=Benchmarks/results/census_check.txt
BY=race,sex,age,education,marital,region
COMMON=(--input "$DATA" --group-by "$BY" --label y --prediction yhat)
{
  echo "# census_check.sh: $(wc -l < "$DATA") lines (header included) from make_census_csv.py --seed 7"
  for args in "audit" "audit --metric fnr" "test" "test --metric fnr" "test --calibration tolerance --tolerance 0.05" \
              "plan --metric fnr" ; do
    # shellcheck disable=SC2086
    text=$("$BIN" $args "${COMMON[@]}")
    echo
    echo "\$ cvar-audit $args --input census.csv --group-by $BY --label y --prediction yhat"
    echo "# $(printf '%s\n' "$text" | wc -l) lines, widest $(printf '%s\n' "$text" | awk '{ if (length($0) > m) m = length($0) } END { print m }') characters"
    printf '%s\n' "$text"
  done
} > "$OUT"
grep -n '^\$ \|^# [0-9]* lines' "$OUT"
