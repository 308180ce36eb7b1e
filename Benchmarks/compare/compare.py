#!/usr/bin/env python3
"""Side-by-side timing of cvar-audit against numpy, pandas and fairlearn.

Generates the same synthetic data sets as the Swift benchmark package
(Benchmarks/Sources/BenchmarkData/SyntheticRows.swift: SplitMix64 bit fields,
group g uniform on 0..K-1 with error rate about 0.05 + 0.25 g/K), writes them
as CSV (columns group,label,prediction), and times, in one run and on the same
files:

  swift      `cvar-audit audit --format json` (release build), end to end from
             the CSV, as a subprocess (process start-up included)
  numpy      pandas.read_csv (C engine, explicit dtypes) for the file, then a
             vectorized np.bincount over 4g + 2y + p; the in-memory part is
             also timed on its own
  pandas     pandas.read_csv + DataFrame.groupby("group") sum/count
  fairlearn  pandas.read_csv + fairlearn.metrics.MetricFrame with the group id
             as the sensitive feature; the MetricFrame part is also timed alone

Each computes the per-group error rates and the plug-in CVaR (uniform weights,
one-sided disparity against the pooled rate, alpha = 0.1, sort-based weighted
CVaR); every number must agree with cvar-audit's JSON to 1e-9. Aggregation
from memory is compared separately: `aggregate-bench` (GroupTable.aggregate on
the same columns, generated in Swift with the same seed) against np.bincount on
the numpy-generated columns; their confusion counts must be equal. With
`cvar-audit test` available, the permutation test is timed against a numpy loop
over Generator.multivariate_hypergeometric.

Python timings are in-process (interpreter start-up and imports excluded);
the Swift end-to-end timings include process start-up. Every timing is the best
of --repeats runs. Memory bandwidth is measured with a streaming read (a small
C program, bandwidth.c, and numpy's sum over a 1 GiB array).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
GAMMA = np.uint64(0x9E3779B97F4A7C15)
ALPHA = 0.1


# --------------------------------------------------------------------------- data


def mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's output mixer on uint64 arrays (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def rows_slice(lo: int, hi: int, groups: int, seed: int):
    """Rows lo..hi-1: group ids (int32), labels and predictions (uint8)."""
    k = np.uint64(groups)
    i = np.arange(lo + 1, hi + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = mix(np.uint64(seed) + i * GAMMA)
    g = ((z >> np.uint64(32)) * k) >> np.uint64(32)
    y = (z & np.uint64(1)).astype(np.uint8)
    threshold = np.uint64(107_374_182) + (g << np.uint64(29)) // k
    e = (((z >> np.uint64(1)) & np.uint64(0x7FFFFFFF)) < threshold).astype(np.uint8)
    return g.astype(np.int32), y, y ^ e


def columns(rows: int, groups: int, seed: int, chunk: int = 1 << 22):
    """The whole data set as three numpy columns (as SyntheticRows.columns)."""
    ids = np.empty(rows, dtype=np.int32)
    labels = np.empty(rows, dtype=np.uint8)
    predictions = np.empty(rows, dtype=np.uint8)
    for lo in range(0, rows, chunk):
        hi = min(rows, lo + chunk)
        ids[lo:hi], labels[lo:hi], predictions[lo:hi] = rows_slice(lo, hi, groups, seed)
    return ids, labels, predictions


def write_csv(path: Path, rows: int, groups: int, seed: int, chunk: int = 1 << 21) -> None:
    """Writes the data set as CSV (header group,label,prediction), in chunks."""
    tmp = path.with_suffix(".partial")
    with open(tmp, "w", newline="") as f:
        f.write("group,label,prediction\n")
        for lo in range(0, rows, chunk):
            ids, y, p = rows_slice(lo, min(rows, lo + chunk), groups, seed)
            pd.DataFrame({"group": ids, "label": y, "prediction": p}).to_csv(f, header=False, index=False)
    tmp.rename(path)


# --------------------------------------------------------------------------- statistics


def plugin_cvar(disparities: np.ndarray, weights: np.ndarray, alpha: float) -> float:
    """CVaR_alpha^w of the disparities: sort descending (ties by index), give
    each group lambda = w/alpha until the cumulative weight reaches alpha, the
    boundary group the remainder (as CVaR.tail in Swift)."""
    w = weights / weights.sum()
    order = np.lexsort((np.arange(len(disparities)), -disparities))
    lam = np.zeros_like(w)
    cumulative = 0.0
    for g in order:
        if w[g] == 0:
            continue
        remaining = alpha - cumulative
        if w[g] < remaining * (1 - 1e-12):
            lam[g] = w[g] / alpha
            cumulative += w[g]
            continue
        lam[g] = remaining / alpha
        break
    return float(lam @ disparities)


def summary_from_rates(rates: np.ndarray, errors_total: int, n_total: int) -> float:
    """Plug-in CVaR (uniform weights, one-sided disparity against the pooled rate)."""
    pooled = errors_total / n_total
    disparities = rates - pooled
    return plugin_cvar(disparities, np.full(len(rates), 1.0 / len(rates)), ALPHA)


# --------------------------------------------------------------------------- implementations


def read_numpy(path: Path):
    frame = pd.read_csv(path, engine="c", dtype={"group": np.int32, "label": np.uint8, "prediction": np.uint8})
    return frame["group"].to_numpy(), frame["label"].to_numpy(), frame["prediction"].to_numpy()


def bincount_counts(ids: np.ndarray, labels: np.ndarray, predictions: np.ndarray, groups: int) -> np.ndarray:
    """Confusion counts (K x 4, index 2y + p) by one np.bincount over 4g + 2y + p."""
    index = ids.astype(np.intp)
    index <<= 2
    index += (labels << 1) | predictions
    return np.bincount(index, minlength=4 * groups).reshape(-1, 4)


def rates_from_counts(counts: np.ndarray):
    n = counts.sum(axis=1)
    errors = counts[:, 1] + counts[:, 2]
    return errors / n, int(errors.sum()), int(n.sum())


def numpy_in_memory(ids, labels, predictions, groups):
    counts = bincount_counts(ids, labels, predictions, groups)
    rates, e, n = rates_from_counts(counts)
    return rates, summary_from_rates(rates, e, n)


def numpy_end_to_end(path: Path, groups: int):
    ids, labels, predictions = read_numpy(path)
    return numpy_in_memory(ids, labels, predictions, groups)


def pandas_end_to_end(path: Path, groups: int):
    frame = pd.read_csv(path)
    frame["error"] = frame["label"] != frame["prediction"]
    by_group = frame.groupby("group")["error"].agg(["sum", "count"])
    rates = (by_group["sum"] / by_group["count"]).reindex(range(groups)).to_numpy()
    return rates, summary_from_rates(rates, int(by_group["sum"].sum()), int(by_group["count"].sum()))


def error_rate(y_true, y_pred) -> float:
    return float(np.mean(np.asarray(y_true) != np.asarray(y_pred)))


def metricframe_rates(labels, predictions, ids, groups):
    from fairlearn.metrics import MetricFrame

    frame = MetricFrame(metrics={"error": error_rate}, y_true=labels, y_pred=predictions, sensitive_features=ids)
    by_group = frame.by_group["error"]
    rates = by_group.reindex(range(groups)).to_numpy(dtype=float)
    overall = float(frame.overall["error"])
    return rates, overall


def fairlearn_in_memory(ids, labels, predictions, groups):
    rates, overall = metricframe_rates(labels, predictions, ids, groups)
    n = len(ids)
    # The pooled rate from MetricFrame's overall error (rounded to the count).
    return rates, summary_from_rates(rates, int(round(overall * n)), n)


def fairlearn_end_to_end(path: Path, groups: int):
    frame = pd.read_csv(path)
    return fairlearn_in_memory(frame["group"].to_numpy(), frame["label"].to_numpy(), frame["prediction"].to_numpy(),
                               groups)


def swift_audit_process(binary: Path, path: Path) -> str:
    """Runs `cvar-audit audit` on the CSV and returns its JSON output: what
    is timed (the process, start-up included; not Python's parsing of the
    output afterwards)."""
    out = subprocess.run(
        [str(binary), "audit", "--input", str(path), "--group-by", "group", "--label", "label",
         "--prediction", "prediction", "--metric", "error", "--alpha", str(ALPHA), "--format", "json"],
        check=True, capture_output=True, text=True)
    return out.stdout


def swift_result(output: str, groups: int):
    """The per-group rates and the CVaR from cvar-audit's JSON."""
    document = json.loads(output)
    rates = np.full(groups, np.nan)
    for g in document["groups"]:
        rates[int(g["key"]["group"])] = g["rate"]
    return rates, float(document["summary"]["cvar"])


# --------------------------------------------------------------------------- timing


def best_of(repeats: int, function, *args):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function(*args)
        times.append(time.perf_counter() - start)
    return min(times), result


def agree(reference, other, tolerance=1e-9) -> float:
    """The largest absolute difference between two (rates, cvar) results."""
    rates_a, cvar_a = reference
    rates_b, cvar_b = other
    if rates_a.shape != rates_b.shape or np.isnan(rates_a).any() or np.isnan(rates_b).any():
        return float("inf")
    return float(max(np.max(np.abs(rates_a - rates_b)), abs(cvar_a - cvar_b)))


def bandwidth(build_dir: Path) -> dict:
    result = {}
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc:
        exe = build_dir / "bandwidth"
        subprocess.run([cc, "-O2", "-march=native", "-o", str(exe), str(HERE / "bandwidth.c")], check=True)
        out = subprocess.run([str(exe), "1024", "7"], check=True, capture_output=True, text=True)
        result["c_stream_read_gb_s"] = json.loads(out.stdout)["gb_per_second"]
    a = np.ones(1 << 27)
    seconds, _ = best_of(7, np.sum, a)
    result["numpy_sum_gb_s"] = a.nbytes / seconds / 1e9
    return result


# --------------------------------------------------------------------------- permutation test


def permutation_numpy(errors: np.ndarray, n: np.ndarray, permutations: int, seed: int) -> float:
    """Permutation p-value of the CVaR statistic by a Python loop over
    numpy's multivariate_hypergeometric: under H0 (one pooled error rate) the
    errors are spread over the groups as a draw without replacement of the
    total errors from the pooled rows, with group sizes n fixed."""
    rng = np.random.default_rng(seed)
    total = int(errors.sum())
    k = len(n)
    w = np.full(k, 1.0 / k)
    pooled = total / n.sum()
    observed = plugin_cvar(errors / n - pooled, w, ALPHA)
    exceed = 0
    for _ in range(permutations):
        e = rng.multivariate_hypergeometric(n, total)
        if plugin_cvar_fast(e / n - pooled, w, ALPHA) >= observed - 1e-12:
            exceed += 1
    return (1 + exceed) / (1 + permutations)


def plugin_cvar_fast(disparities: np.ndarray, weights: np.ndarray, alpha: float) -> float:
    """Vectorized sort-based CVaR (same value as plugin_cvar for weights summing to 1)."""
    order = np.argsort(-disparities, kind="stable")
    w = weights[order]
    cumulative = np.cumsum(w)
    before = cumulative - w
    lam = np.clip(np.minimum(w, alpha - before), 0, None) / alpha
    return float(lam @ disparities[order])


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--groups", type=int, nargs="+", default=[16, 256, 4096])
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".build-compare")
    parser.add_argument("--cvar-audit", type=Path, default=ROOT / ".build" / "release" / "cvar-audit")
    parser.add_argument("--aggregate-bench", type=Path,
                        default=ROOT / "Benchmarks" / ".build" / "release" / "aggregate-bench")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--skip-fairlearn-above", type=int, default=1_000_000,
                        help="skip fairlearn for more rows than this (MetricFrame takes seconds per 10^6 rows)")
    parser.add_argument("--permutations", type=int, default=9999, help="B of the permutation-test comparison")
    parser.add_argument("--permutation-numpy-repeats", type=int, default=1,
                        help="runs of the numpy permutation loop (minutes at K = 4,096, so noise does not matter)")
    parser.add_argument("--permutation-only", action="store_true",
                        help="run only the permutation-test comparison and rewrite only the permutation "
                             "section of --output (the other sections keep their last `make compare` figures)")
    parser.add_argument("--fairlearn-repeats", type=int, default=1,
                        help="runs of MetricFrame (it is slower by orders of magnitude, so noise does not matter)")
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    if args.permutation_only:
        return permutation_only(args)
    for tool in (args.cvar_audit, args.aggregate_bench):
        if not tool.exists():
            sys.exit(f"missing {tool}: run `make compare` (it builds both)")

    import fairlearn
    import threadpoolctl

    environment = {
        "python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__,
        "fairlearn": fairlearn.__version__, "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE", "(unset)"),
        "blas": [{k: v for k, v in info.items() if k in ("internal_api", "version", "architecture", "num_threads")}
                 for info in threadpoolctl.threadpool_info()],
    }
    print("environment:", json.dumps(environment), flush=True)
    bw = bandwidth(args.data_dir)
    print("memory bandwidth (streaming read):", json.dumps(bw), flush=True)
    stream = bw.get("c_stream_read_gb_s", bw["numpy_sum_gb_s"])

    end_to_end, in_memory, failures = [], [], []
    for rows in args.rows:
        for groups in args.groups:
            path = args.data_dir / f"rows{rows}-groups{groups}-seed{args.seed}.csv"
            if not path.exists():
                print(f"writing {path.name} ...", flush=True)
                write_csv(path, rows, groups, args.seed)
            megabytes = path.stat().st_size / 1e6
            r = args.repeats
            t_swift, swift_output = best_of(r, swift_audit_process, args.cvar_audit, path)
            swift = swift_result(swift_output, groups)
            t_numpy, numpy_result = best_of(r, numpy_end_to_end, path, groups)
            t_read, _ = best_of(r, read_numpy, path)
            t_pandas, pandas_result = best_of(r, pandas_end_to_end, path, groups)
            row = {"rows": rows, "groups": groups, "megabytes": megabytes, "swift": t_swift, "numpy": t_numpy,
                   "numpy_read": t_read, "pandas": t_pandas,
                   "numpy_diff": agree(swift, numpy_result), "pandas_diff": agree(swift, pandas_result)}
            if rows <= args.skip_fairlearn_above:
                t_fair, fair = best_of(args.fairlearn_repeats, fairlearn_end_to_end, path, groups)
                row["fairlearn"], row["fairlearn_diff"] = t_fair, agree(swift, fair)

            # In memory: Swift's GroupTable.aggregate vs np.bincount on the same columns.
            out = subprocess.run([str(args.aggregate_bench), "--rows", str(rows), "--groups", str(groups),
                                  "--seed", str(args.seed), "--repeats", str(max(r, 5)), "--counts"],
                                 check=True, capture_output=True, text=True)
            swift_memory = json.loads(out.stdout)
            ids, labels, predictions = columns(rows, groups, args.seed)
            t_bincount, counts = best_of(max(r, 5), bincount_counts, ids, labels, predictions, groups)
            t_numpy_memory, numpy_memory = best_of(r, numpy_in_memory, ids, labels, predictions, groups)
            counts_equal = bool(np.array_equal(np.asarray(swift_memory["counts"]).reshape(-1, 4), counts))
            memory_row = {"rows": rows, "groups": groups, "swift": swift_memory["best_seconds"],
                          "bincount": t_bincount, "numpy_total": t_numpy_memory, "counts_equal": counts_equal,
                          "numpy_diff": agree(swift, numpy_memory)}
            if "fairlearn" in row:
                t_mf, mf = best_of(args.fairlearn_repeats, fairlearn_in_memory, ids, labels, predictions, groups)
                memory_row["metricframe"], memory_row["metricframe_diff"] = t_mf, agree(swift, mf)
            bound = rows * 6 / (stream * 1e9)  # 4-byte id + two 1-byte columns per row
            memory_row["bandwidth_bound"] = bound
            end_to_end.append(row)
            in_memory.append(memory_row)
            print(json.dumps(row), flush=True)
            print(json.dumps(memory_row), flush=True)
            for label, key in (("numpy", "numpy_diff"), ("pandas", "pandas_diff"), ("fairlearn", "fairlearn_diff")):
                if key in row and not row[key] <= 1e-9:
                    failures.append(f"{label} differs from cvar-audit by {row[key]:.3g} at N={rows}, K={groups}")
            if not counts_equal:
                failures.append(f"aggregate-bench counts differ from np.bincount at N={rows}, K={groups}")
            for key in ("numpy_diff", "metricframe_diff"):
                if key in memory_row and not memory_row[key] <= 1e-9:
                    failures.append(f"in-memory {key} {memory_row[key]:.3g} at N={rows}, K={groups}")

    permutation = run_permutation(args)
    if permutation is not None:
        failures += permutation["failures"]
    write_results(args, environment, bw, end_to_end, in_memory, permutation, failures)
    if failures:
        print("DISAGREEMENT:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    print(f"all implementations agree to 1e-9; wrote {args.output}")
    return 0


PERMUTATION_HEADING = "## Permutation test"


def permutation_only(args) -> int:
    """The permutation comparison alone (seconds instead of the whole
    comparison's minutes): it replaces the permutation section of --output."""
    if not args.cvar_audit.exists():
        sys.exit(f"missing {args.cvar_audit}: run `swift build -c release --product cvar-audit`")
    permutation = run_permutation(args)
    if permutation is None:
        return 1
    section = [PERMUTATION_HEADING, "",
               f"Measured on its own by `compare.py --permutation-only` on {time.strftime('%Y-%m-%d')} (shared "
               f"{os.cpu_count()}-core machine; numpy {np.__version__}, Python {platform.python_version()}).", ""]
    section += permutation["lines"] + [""]
    text = args.output.read_text() if args.output.exists() else ""
    head = text.split(PERMUTATION_HEADING)[0] if PERMUTATION_HEADING in text else text
    args.output.write_text(head + "\n".join(section))
    if permutation["failures"]:
        print("DISAGREEMENT:\n  " + "\n  ".join(permutation["failures"]), file=sys.stderr)
        return 1
    print(f"wrote the permutation section of {args.output}")
    return 0


def run_permutation(args) -> dict | None:
    """cvar-audit test vs the numpy loop, when the test command exists."""
    probe = subprocess.run([str(args.cvar_audit), "test", "--help"], capture_output=True, text=True)
    if probe.returncode != 0 or "cvar-audit test" not in probe.stdout:
        print("permutation test: `cvar-audit test` does not exist in this build; skipped", flush=True)
        return None
    return permutation_comparison(args)


def swift_permutation(binary: Path, path: Path, permutations: int, seed: int):
    """`cvar-audit test` (plug-in CVaR statistic, exact permutation calibration):
    wall seconds of the process, the test's own seconds from --timing (the
    read excluded), the observed statistic and the p-value."""
    start = time.perf_counter()
    out = subprocess.run(
        [str(binary), "test", "--input", str(path), "--group-by", "group", "--label", "label",
         "--prediction", "prediction", "--metric", "error", "--alpha", str(ALPHA), "--statistic", "cvar",
         "--calibration", "permutation", "--permutations", str(permutations), "--seed", str(seed),
         "--format", "json", "--timing"],
        check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    timing = [line for line in out.stderr.splitlines() if line.startswith("timing:")][0]
    tested = float(timing.split("test (")[1].split(")")[1].split()[0])
    document = json.loads(out.stdout)
    return wall, tested, float(document["value"]), float(document["pValue"])


def permutation_comparison(args) -> dict | None:
    """cvar-audit test against the numpy loop over multivariate_hypergeometric,
    B permutations at K = 4,096 on the smallest data set (the permutations
    need only the per-group counts, so N matters for the read only)."""
    rows, groups, b = min(args.rows), 4096, args.permutations
    path = args.data_dir / f"rows{rows}-groups{groups}-seed{args.seed}.csv"
    if not path.exists():
        write_csv(path, rows, groups, args.seed)
    print(f"permutation test: B = {b}, K = {groups}, N = {rows} ...", flush=True)
    runs = [swift_permutation(args.cvar_audit, path, b, args.seed) for _ in range(args.repeats)]
    wall = min(r[0] for r in runs)
    tested = min(r[1] for r in runs)
    _, _, swift_value, swift_p = runs[0]
    ids, labels, predictions = columns(rows, groups, args.seed)
    counts = bincount_counts(ids, labels, predictions, groups)
    n = counts.sum(axis=1)
    errors = counts[:, 1] + counts[:, 2]
    pooled = errors.sum() / n.sum()
    numpy_value = plugin_cvar(errors / n - pooled, np.full(groups, 1.0 / groups), ALPHA)
    t_numpy, numpy_p = best_of(args.permutation_numpy_repeats, permutation_numpy, errors, n, b, args.seed)
    # Different generators: the p-values agree within Monte-Carlo error only.
    p = max(swift_p, 1 / (b + 1))
    tolerance = 4 * np.sqrt(p * (1 - p) / b) + 2 / (b + 1)
    row = {"rows": rows, "groups": groups, "permutations": b, "swift_wall": wall, "swift_test": tested,
           "numpy": t_numpy, "swift_value": swift_value, "numpy_value": numpy_value,
           "value_diff": abs(swift_value - numpy_value), "swift_p": swift_p, "numpy_p": numpy_p,
           "p_agree": bool(abs(swift_p - numpy_p) <= tolerance)}
    print(json.dumps(row), flush=True)
    lines = [
        f"B = {b:,} permutations, K = {groups:,} groups, N = {rows:,} rows, plug-in CVaR (α = {ALPHA}, uniform "
        "weights, one-sided against the pooled rate). cvar-audit = `cvar-audit test --statistic cvar "
        "--calibration permutation` (one process: its wall time, and the test alone from the hidden `--timing` "
        f"flag, the read excluded; best of {args.repeats}; the permutations run in chunks on all "
        f"{os.cpu_count()} cores); numpy = a Python loop (one core) over "
        "`Generator.multivariate_hypergeometric` with a vectorized sort-based CVaR per permutation "
        f"(`permutation_numpy`, counts precomputed, best of {args.permutation_numpy_repeats}). Observed statistics "
        f"agree to {row['value_diff']:.1g}; p-values (different generators) {swift_p:.4g} and {numpy_p:.4g}"
        + ("" if row["p_agree"] else " **disagree beyond Monte-Carlo error**") + ".",
        "",
        "| B | K | cvar-audit (process) | cvar-audit (test only) | numpy loop | numpy / cvar-audit (process) "
        "| numpy / cvar-audit (test) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {b:,} | {groups:,} | {wall:.2f} | {tested:.2f} | {t_numpy:.2f} | {ratio(t_numpy, wall)} | "
        f"{ratio(t_numpy, tested)} |",
    ]
    return {"row": row, "lines": lines,
            "failures": ([] if row["value_diff"] <= 1e-9 else
                         [f"permutation test statistic differs by {row['value_diff']:.3g}"])
                        + ([] if row["p_agree"] else ["permutation p-values disagree beyond Monte-Carlo error"])}


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}×"


def write_results(args, environment, bw, end_to_end, in_memory, permutation, failures) -> None:
    lines = [
        "# cvar-audit vs numpy, pandas and fairlearn",
        "",
        f"Written by `make compare` (Benchmarks/compare/compare.py) on {time.strftime('%Y-%m-%d')}; "
        f"seed {args.seed}, best of {args.repeats} runs (5 for the in-memory kernels, {args.fairlearn_repeats} for "
        f"fairlearn, which is not run above {args.skip_fairlearn_above:,} rows), all in one run on a "
        f"**shared** {environment['cores']}-core machine ({environment['cpu']}; other jobs may be running on it), so "
        "the ratios (same run, same files) mean more than the absolute times.",
        f"Python {environment['python']}, numpy {environment['numpy']}, pandas {environment['pandas']}, "
        f"fairlearn {environment['fairlearn']}; OPENBLAS_CORETYPE={environment['OPENBLAS_CORETYPE']}.",
        "",
        "Every implementation computes the per-group error rates and the plug-in CVaR (α = 0.1, uniform weights, "
        "one-sided disparity against the pooled rate); all agree with cvar-audit's JSON to 1e-9"
        + (" **except: " + "; ".join(failures) + "**" if failures else "") + ".",
        "",
        "## End to end from CSV (seconds)",
        "",
        "cvar-audit runs as a subprocess (start-up included; the clock stops when the process exits, before Python "
        "parses its JSON); Python times are in-process (imports excluded). "
        "numpy = pandas.read_csv (C engine, explicit dtypes) + np.bincount; pandas = read_csv + groupby; "
        "fairlearn = read_csv + MetricFrame.",
        "",
        "| N | K | MB | cvar-audit | numpy | pandas | fairlearn | pandas / cvar-audit | fairlearn / cvar-audit |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in end_to_end:
        fair = f"{r['fairlearn']:.3f}" if "fairlearn" in r else "—"
        fair_ratio = ratio(r["fairlearn"], r["swift"]) if "fairlearn" in r else "—"
        lines.append(f"| {r['rows']:,} | {r['groups']:,} | {r['megabytes']:.0f} | {r['swift']:.3f} | "
                     f"{r['numpy']:.3f} | {r['pandas']:.3f} | {fair} | {ratio(r['pandas'], r['swift'])} | "
                     f"{fair_ratio} |")
    lines += [
        "",
        "## Aggregation from memory (milliseconds)",
        "",
        "GroupTable.aggregate (Benchmarks' `aggregate-bench`, columns generated in Swift with the same seed) vs "
        "np.bincount over 4g + 2y + p (index arithmetic included) on the same columns; the confusion counts are "
        "checked equal. MetricFrame = fairlearn on the in-memory columns. The bound is 6 bytes per row "
        f"(int32 id, two uint8) at the measured streaming-read bandwidth of {bw.get('c_stream_read_gb_s', 0):.1f} GB/s.",
        "",
        "| N | K | GroupTable.aggregate | np.bincount | bincount / Swift | MetricFrame | MetricFrame / Swift "
        "| bandwidth bound | Swift ns/row | % of bound |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in in_memory:
        mf = f"{m['metricframe'] * 1e3:.0f}" if "metricframe" in m else "—"
        mf_ratio = ratio(m["metricframe"], m["swift"]) if "metricframe" in m else "—"
        lines.append(f"| {m['rows']:,} | {m['groups']:,} | {m['swift'] * 1e3:.2f} | {m['bincount'] * 1e3:.2f} | "
                     f"{ratio(m['bincount'], m['swift'])} | {mf} | {mf_ratio} | {m['bandwidth_bound'] * 1e3:.2f} | "
                     f"{m['swift'] / m['rows'] * 1e9:.2f} | {100 * m['bandwidth_bound'] / m['swift']:.0f}% |")
    lines += [
        "",
        "## Memory bandwidth",
        "",
        f"Streaming read of 1 GiB: {bw.get('c_stream_read_gb_s', float('nan')):.1f} GB/s (bandwidth.c, cc -O2 "
        f"-march=native, 8 accumulators, best of 7); numpy `a.sum()` over 1 GiB of float64: "
        f"{bw['numpy_sum_gb_s']:.1f} GB/s (best of 7).",
        "",
        PERMUTATION_HEADING,
        "",
    ]
    if permutation is None:
        lines.append("Not measured yet: the comparison of `cvar-audit test` with the numpy multivariate_hypergeometric "
                     "loop waits for the permutation test (issue 3) to land; `permutation_numpy` above is the "
                     "numpy side.")
    else:
        lines += permutation["lines"]
    lines.append("")
    args.output.write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
