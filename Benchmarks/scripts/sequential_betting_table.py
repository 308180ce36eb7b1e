"""The table of Benchmarks/scripts/sequential_betting.sh from its JSON lines and n* CSV.

Usage: sequential_betting_table.py RESULTS.jsonl NSTAR.csv COMMAND SECONDS
"""
import csv
import json
import sys

results = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
ALTERNATIVES = {"flat-tail": "flat-tail alternative, CVaR_0.1 = 0.1",
                "spread": "spread alternative: a linear ramp over every group, CVaR_0.1 = 0.1",
                "single": "single alternative: one bad group at max gap 0.1 (its CVaR_0.1 in the last column)"}
nstar = {}
for row in csv.DictReader(open(sys.argv[2])):
    # simulate leaves samples empty when power 0.8 is not reached in its search.
    if row["samples"]:
        nstar[(row["alternative"], int(row["groups"]), row["profile"], row["sampler"])] = int(row["samples"])


def profile(r):
    if r["scenario"] in ALTERNATIVES:
        return "uniform" if not r.get("zipf") else "zipf:1"
    return "zipf:1" if r["unbalanced"] else "uniform"


def count(x, horizon):
    return (">" if x >= horizon else "") + f"{int(x):,}"


def rate(s, key="violationRate", se="violationStandardError"):
    return f"{s[key]:.3f} ± {s[se]:.3f}"


print(f"Command: `{sys.argv[3]}` ({int(sys.argv[4]):,} s wall time, 2 shared cores).\n")
for alternative, title in ALTERNATIVES.items():
    rows = [r for r in results if r["scenario"] == alternative]
    if not rows:
        continue
    print(f"### Observations to decision ({title}, tolerance 0)\n")
    print("| K | shares | sampler | streams | violation rate ± SE | median | p90 | fixed-sample n* (l2, power 0.8) | median / n* |"
          + (" true CVaR_0.1 |" if alternative == "single" else ""))
    print("|---|---|---|---|---|---|---|---|---|" + ("---|" if alternative == "single" else ""))
    for r in rows:
        s, h = r["summary"], r["horizon"]
        reference = "iid" if r["sampler"] == "adaptive" else r["sampler"]
        n = nstar.get((alternative, r["groups"], profile(r), reference))
        ratio = f"{s['medianObservations'] / n:.2f}" if n else "–"
        if n and s["medianObservations"] >= h:
            # The median is censored at the horizon: only a lower bound, and none when n* > horizon.
            ratio = f"≥ {h / n:.2f}" if h >= n else "n* > horizon"
        label = f"{n:,}" + (" (iid)" if r["sampler"] == "adaptive" else "") if n else "not reached"
        print(f"| {r['groups']:,} | {profile(r)} | {r['sampler']} | {s['runs']:,} | {rate(s)} | "
              f"{count(s['medianObservations'], h)} | {count(s['p90Observations'], h)} | {label} | {ratio} |"
              + (f" {r['trueCVaR']:.4f} |" if alternative == "single" else ""))
    print()
if not any(r["scenario"] in ("null", "boundary") for r in results):
    sys.exit(0)
cells = {}
for r in results:
    if r["scenario"] in ("null", "boundary"):
        sampler = r["sampler"] + (" + L2" if r["l2Test"] else "")
        if r["scenario"] == "null" and r["unbalanced"] and not r.get("weightsFromShares"):
            sampler += " (w uniform)"
        cells.setdefault((r["groups"], profile(r), sampler), {})[r["scenario"]] = r
marked = any(sampler.endswith("(w uniform)") for _, _, sampler in cells)
print("### Validity: share of streams that ever declare a violation (δ = 0.05)\n")
print("Checked after every observation; a stream goes on to the horizon after other decisions. "
      "Null: weights equal to the shares (tolerance 0 is then no disparity: the violation e-value averages the CVaR "
      "contrast's e-process with the L2 contrast's, or the blocks' for two-stage)"
      + (", except where marked \"w uniform\"" if marked else "") + ". "
      "Boundary: uniform weights, known reference. "
      "\"two-stage + L2\": the same null streams with `--l2-test`, whose e-process for two-stage blocks is the "
      "block-variance one, counting a violation or a detected disparity (rejection rate).\n")
print("| K | shares | sampler | null (no disparity) ± SE | boundary CVaR_0.25 = ε0 ± SE | streams × rows |")
print("|---|---|---|---|---|---|")
for (k, p, sampler), c in cells.items():
    null, boundary = c.get("null"), c.get("boundary")
    any_cell = null or boundary
    null_rate = "–"
    if null:
        s = null["summary"]
        null_rate = rate(s, "rejectionRate", "rejectionStandardError") if null["l2Test"] else rate(s)
    print(f"| {k:,} | {p} | {sampler} | {null_rate} | "
          f"{rate(boundary['summary']) if boundary else '–'} | "
          f"{any_cell['summary']['runs']:,} × {any_cell['horizon']:,} |")
