#!/usr/bin/env python3
"""The Python package (cvaraudit) against fairlearn's MetricFrame and a
hand-written pandas groupby, on rows held in a DataFrame, in one run.

Data: compare.py's synthetic rows (SplitMix64, group g uniform on 0..K-1,
error rate about 0.05 + 0.25 g/K), N = 10^7 and K = 4,096 by default, as a
DataFrame with columns group (int32), y, p (uint8). Also a three-attribute
layout: 16 × 16 × 16 categorical columns whose combinations are the same
4,096 groups. Each method computes the per-group error rates and the plug-in
CVaR (alpha = 0.1, uniform weights, one-sided against the pooled rate); the
rates must agree to 1e-12.

  cvaraudit   cvaraudit.audit(df, sensitive_features=[...], y_true="y", y_pred="p")
              (the whole audit: intervals, simultaneous Clopper–Pearson bounds, tail)
  pandas      (y != p) then df.groupby(...)["error"].agg(["sum", "count"]) and the CVaR
  fairlearn   MetricFrame(metrics=error_rate, ...) and the CVaR of its by_group

The Python boundary is measured apart: the time of the one ctypes call into
the core (aggregation + audit + result) within the same runs of the whole
function, and both on a tiny frame (K = 4,096 groups, 2 rows each). The
binding design is measured too: the cost of sending the same columns
(6 bytes a row) through a pipe to a process, the floor of the executable
design, against the in-process call.

    python3 Benchmarks/compare/python_binding.py [--rows N] [--groups K] [--repeats R] [--write]

Needs cvaraudit importable (the wheel installed, or CVARAUDIT_LIBRARY and
PYTHONPATH=python), pandas, numpy and fairlearn. --write stores the tables
in Benchmarks/compare/PYTHON_RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from compare import ALPHA, columns, plugin_cvar  # noqa: E402  (the same rows and CVaR as compare.py)

import cvaraudit  # noqa: E402
from cvaraudit import _native  # noqa: E402


def best(repeats: int, f, *args):
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = f(*args)
        times.append(time.perf_counter() - t)
    return min(times), out


def cvar_from_rates(errors: np.ndarray, counts: np.ndarray) -> float:
    rates = errors / counts
    pooled = errors.sum() / counts.sum()
    k = len(rates)
    return plugin_cvar(rates - pooled, np.full(k, 1.0 / k), ALPHA)


def with_cvaraudit(df, features):
    r = cvaraudit.audit(df, sensitive_features=features, y_true="y", y_pred="p", alpha=ALPHA)
    return r.by_group["rate"], r.cvar


def with_pandas(df, features):
    error = (df["y"] != df["p"])
    by = error.groupby([df[f] for f in features], observed=True, sort=False).agg(["sum", "count"])
    rates = by["sum"] / by["count"]
    return rates, cvar_from_rates(by["sum"].to_numpy(np.float64), by["count"].to_numpy(np.float64))


def error_rate(y_true, y_pred) -> float:
    return float(np.mean(np.asarray(y_true) != np.asarray(y_pred)))


def with_fairlearn(df, features):
    from fairlearn.metrics import MetricFrame
    frame = MetricFrame(metrics=error_rate, y_true=df["y"], y_pred=df["p"],
                        sensitive_features=df[features] if len(features) > 1 else df[features[0]])
    rates = frame.by_group
    counts = df.groupby(features, observed=True).size().reindex(rates.index)
    errors = (rates * counts).round()
    return rates, cvar_from_rates(errors.to_numpy(np.float64), counts.to_numpy(np.float64))


def key_of(index_value) -> tuple:
    return tuple(str(v) for v in index_value) if isinstance(index_value, tuple) else (str(index_value),)


def agreement(reference: pd.Series, other: pd.Series) -> float:
    a = {key_of(k): v for k, v in reference.items()}
    b = {key_of(k): v for k, v in other.items()}
    assert a.keys() == b.keys(), "different groups"
    return max(abs(a[k] - b[k]) for k in a)


def audit_and_call_seconds(df, features, repeats):
    """The best whole cvaraudit.audit and, in that same run, the time of its
    one call into the core (_native.last_call_seconds)."""
    runs = []
    for _ in range(repeats):
        t = time.perf_counter()
        with_cvaraudit(df, features)
        runs.append((time.perf_counter() - t, _native.last_call_seconds))
    return min(runs)


def pipe_seconds(df, repeats):
    """Writing the columns (int32 group, uint8 y, uint8 p) to a child process
    through a pipe: what the executable design pays before any work (the
    child here only drains the pipe; start-up included)."""
    buffers = [df["group"].to_numpy(), df["y"].to_numpy(), df["p"].to_numpy()]

    def once():
        child = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        for b in buffers:
            child.stdin.write(memoryview(b).cast("B"))
        child.stdin.close()
        child.wait()

    return best(repeats, once)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--groups", type=int, default=4096)
    parser.add_argument("--seed", type=int, default=20_240_601)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--fairlearn-repeats", type=int, default=1)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()

    ids, labels, predictions = columns(args.rows, args.groups, args.seed)
    flat = pd.DataFrame({"group": ids, "y": labels, "p": predictions})
    side = round(args.groups ** (1 / 3))
    layouts = [("one int32 column", flat, ["group"])]
    if side ** 3 == args.groups:
        g = ids.astype(np.int64)
        cats = [pd.Categorical.from_codes((g // side ** e % side).astype(np.int8), [f"v{i}" for i in range(side)])
                for e in (2, 1, 0)]
        three = pd.DataFrame({"a": cats[0], "b": cats[1], "c": cats[2], "y": labels, "p": predictions})
        layouts.append((f"three categoricals ({side}×{side}×{side})", three, ["a", "b", "c"]))

    rows = []
    for name, df, features in layouts:
        _, (rates_cva, cvar_cva) = best(1, with_cvaraudit, df, features)
        t_cva, t_raw = audit_and_call_seconds(df, features, args.repeats)
        t_pd, (rates_pd, cvar_pd) = best(args.repeats, with_pandas, df, features)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_fl, (rates_fl, cvar_fl) = best(args.fairlearn_repeats, with_fairlearn, df, features)
        worst = max(agreement(rates_cva, rates_pd), agreement(rates_cva, rates_fl))
        assert worst <= 1e-12, f"rates differ by {worst}"
        assert abs(cvar_cva - cvar_pd) <= 1e-12 and abs(cvar_cva - cvar_fl) <= 1e-9, (cvar_cva, cvar_pd, cvar_fl)
        rows.append(dict(layout=name, cvaraudit=t_cva, pandas=t_pd, fairlearn=t_fl, call=t_raw, agreement=worst))
        print(json.dumps(rows[-1]), flush=True)

    tiny_ids, tiny_y, tiny_p = columns(2 * args.groups, args.groups, args.seed)
    tiny = pd.DataFrame({"group": np.arange(2 * args.groups, dtype=np.int32) % args.groups, "y": tiny_y, "p": tiny_p})
    t_tiny, t_tiny_call = audit_and_call_seconds(tiny, ["group"], args.repeats)
    t_pipe = pipe_seconds(flat, args.repeats)
    extra = dict(tiny_audit=t_tiny, tiny_call=t_tiny_call, pipe=t_pipe)
    print(json.dumps(extra), flush=True)

    if args.write:
        write(args, rows, extra)
    return 0


def write(args, rows, extra) -> None:
    import fairlearn
    lines = [
        "# cvaraudit (Python package) vs fairlearn MetricFrame and a pandas groupby",
        "",
        f"Written by `python3 Benchmarks/compare/python_binding.py --write` on {time.strftime('%Y-%m-%d')}; "
        f"N = {args.rows:,} rows, K = {args.groups:,} groups, seed {args.seed}, best of {args.repeats} runs "
        f"({args.fairlearn_repeats} for fairlearn), all in one run on a **shared** 2-core machine "
        f"({platform.machine()}; other jobs may be running), so the ratios mean more than the absolute times.",
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"fairlearn {fairlearn.__version__}, cvaraudit {cvaraudit.__version__} (the wheel of `make wheel`).",
        "",
        "Rows held in a DataFrame (y, p uint8). Each method gives the per-group error rates and the plug-in CVaR "
        "(α = 0.1, uniform weights, one-sided against the pooled rate); rates agree to the column shown. "
        "cvaraudit.audit computes the whole audit (per-group Wilson intervals, simultaneous Clopper–Pearson "
        "intervals, CVaR interval, tail) and builds its by_group DataFrame; pandas = `(y != p)` + "
        "`groupby(...).agg(['sum', 'count'])` + the CVaR; fairlearn = `MetricFrame(metrics=error_rate, ...)` + the CVaR.",
        "",
        "| layout | cvaraudit.audit (s) | pandas groupby (s) | MetricFrame (s) | pandas / cvaraudit | MetricFrame / cvaraudit | max rate difference |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['layout']} | {r['cvaraudit']:.3f} | {r['pandas']:.3f} | {r['fairlearn']:.2f} | "
                     f"{r['pandas'] / r['cvaraudit']:.1f}× | {r['fairlearn'] / r['cvaraudit']:.0f}× | {r['agreement']:.0e} |")
    lines += [
        "",
        "## The Python boundary",
        "",
        "| layout | whole call (s) | ctypes call into the core (s) | Python side (s) | Python side share |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['layout']} | {r['cvaraudit']:.4f} | {r['call']:.4f} | {r['cvaraudit'] - r['call']:.4f} | "
                     f"{100 * (r['cvaraudit'] - r['call']) / r['cvaraudit']:.0f}% |")
    lines.append(f"| tiny frame (K = {args.groups:,}, 2 rows each) | {extra['tiny_audit']:.4f} | {extra['tiny_call']:.4f} | "
                 f"{extra['tiny_audit'] - extra['tiny_call']:.4f} | "
                 f"{100 * (extra['tiny_audit'] - extra['tiny_call']) / extra['tiny_audit']:.0f}% |")
    lines += [
        "",
        "The ctypes call includes the aggregation of the rows, the audit and the result (JSON for keys and summary, a buffer of doubles for the per-group columns); "
        "the Python side is the column checks (0/1 labels, no NaN), the codes of the sensitive features, the "
        "request, json.loads of the result and the by_group DataFrame.",
        "",
        "## Binding design",
        "",
        f"Sending the same columns (6 bytes a row, {6 * args.rows / 1e6:.0f} MB) through a pipe to a child process "
        f"that only drains it (`cat`, start-up included) takes {extra['pipe']:.3f} s: what the executable "
        f"design (b) would add before doing any work, {100 * extra['pipe'] / rows[0]['call']:.0f}% of the whole "
        f"in-process call into the shared library (a), which reads the numpy buffers in place "
        f"({rows[0]['call']:.3f} s, aggregation and audit included).",
        "",
    ]
    (HERE / "PYTHON_RESULTS.md").write_text("\n".join(lines))
    print(f"wrote {HERE / 'PYTHON_RESULTS.md'}")


if __name__ == "__main__":
    sys.exit(main())
