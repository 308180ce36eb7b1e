"""Per-group rates of every binary metric, by fairlearn and scikit-learn.

Writes Tests/Fixtures/metric_rows.csv (a generated data set: three
attributes, a label, a prediction and a survey-style row weight) and
Tests/Fixtures/metric_rates.json: per group the confusion counts
(sklearn.metrics.confusion_matrix) and each metric's rate through
fairlearn.metrics.MetricFrame, unweighted and with sample_weight.

    python3 Tests/Oracles/make_metric_fixtures.py

Deterministic (numpy.random.default_rng(12)).
"""
import os

import numpy as np
import pandas as pd
from fairlearn.metrics import (MetricFrame, false_negative_rate, false_positive_rate, selection_rate,
                               true_negative_rate, true_positive_rate)
from sklearn.metrics import accuracy_score, confusion_matrix, precision_score, recall_score, zero_one_loss

from fixture_io import OUT, dump, versions

rng = np.random.default_rng(12)
n = 3000
a = rng.choice(["a0", "a1", "a2", "a3"], size=n, p=[0.5, 0.3, 0.15, 0.05])
b = rng.choice(["b0", "b1", "b2"], size=n, p=[0.6, 0.3, 0.1])
c = rng.choice(["c0", "c1"], size=n, p=[0.9, 0.1])
base = 0.3 + 0.1 * (a == "a1") + 0.2 * (b == "b2")
y = (rng.random(n) < base).astype(int)
skill = 0.8 - 0.15 * (a == "a3") - 0.1 * (c == "c1")
yhat = np.where(rng.random(n) < skill, y, 1 - y)
# A few groups where the model never predicts 1 or never 0 (ppv / npv undefined there).
yhat[(a == "a3") & (b == "b2") & (c == "c1")] = 0
yhat[(a == "a2") & (b == "b2") & (c == "c1")] = 1
weight = np.round(rng.gamma(2.0, 1.5, size=n), 3) + 0.001
rows = pd.DataFrame({"a": a, "b": b, "c": c, "y": y, "yhat": yhat, "w": weight})
rows.to_csv(os.path.join(OUT, "metric_rows.csv"), index=False, lineterminator="\n")
print("wrote", os.path.join(OUT, "metric_rows.csv"))


def npv(y_true, y_pred, sample_weight=None):
    return precision_score(y_true, y_pred, pos_label=0, zero_division=np.nan, sample_weight=sample_weight)


def ppv(y_true, y_pred, sample_weight=None):
    return precision_score(y_true, y_pred, zero_division=np.nan, sample_weight=sample_weight)


def fdr(y_true, y_pred, sample_weight=None):
    return 1 - ppv(y_true, y_pred, sample_weight)


def false_omission_rate(y_true, y_pred, sample_weight=None):
    return 1 - npv(y_true, y_pred, sample_weight)


def tpr(y_true, y_pred, sample_weight=None):
    return recall_score(y_true, y_pred, zero_division=np.nan, sample_weight=sample_weight)


METRICS = {
    "error": zero_one_loss,
    "accuracy": accuracy_score,
    "fnr": false_negative_rate,
    "fpr": false_positive_rate,
    "tpr": tpr,
    "tnr": true_negative_rate,
    "ppv": ppv,
    "npv": npv,
    "fdr": fdr,
    "for": false_omission_rate,
    "selection": selection_rate,
}
CALLS = [
    "MetricFrame(metrics=METRICS, y_true=y, y_pred=yhat, sensitive_features=rows[['a','b','c']]).by_group",
    "MetricFrame(..., sample_params={m: {'sample_weight': w} for m in METRICS}).by_group",
    "zero_one_loss, accuracy_score; fairlearn false_negative_rate, false_positive_rate, true_negative_rate, selection_rate",
    "tpr: recall_score(zero_division=nan); ppv: precision_score(zero_division=nan); npv: precision_score(pos_label=0, zero_division=nan)",
    "fdr = 1 - ppv; for = 1 - npv",
    "confusion_matrix(y, yhat, labels=[0, 1]).ravel() -> tn, fp, fn, tp per group",
]


def by_group(weighted):
    params = {m: {"sample_weight": rows["w"].to_numpy()} for m in METRICS} if weighted else None
    with np.errstate(all="ignore"):
        frame = MetricFrame(metrics=METRICS, y_true=rows["y"], y_pred=rows["yhat"],
                            sensitive_features=rows[["a", "b", "c"]], sample_params=params)
    return frame.by_group


def value(x):
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else float(x)


# Rows each metric is defined over, as confusion cells: fairlearn's rate
# functions return 0 on no eligible row (0/0), scikit-learn's NaN here; both
# are written null.
ELIGIBLE = {"fnr": ("fn", "tp"), "tpr": ("fn", "tp"), "fpr": ("tn", "fp"), "tnr": ("tn", "fp"),
            "ppv": ("fp", "tp"), "fdr": ("fp", "tp"), "npv": ("tn", "fn"), "for": ("tn", "fn")}


def defined(m, cells):
    return sum(cells[c] for c in ELIGIBLE.get(m, ("tn", "fp", "fn", "tp"))) > 0


plain = by_group(False)
weighted = by_group(True)
cases = []
for key, group in rows.groupby(["a", "b", "c"], sort=True):
    tn, fp, fn, tp = (int(v) for v in confusion_matrix(group["y"], group["yhat"], labels=[0, 1]).ravel())
    cells = {"tn": tn, "fp": fp, "fn": fn, "tp": tp}
    cases.append({
        "key": {"a": key[0], "b": key[1], "c": key[2]},
        "n": int(len(group)), "tn": tn, "fp": fp, "fn": fn, "tp": tp,
        "weight": float(group["w"].sum()),
        "rates": {m: value(plain.loc[key, m]) if defined(m, cells) else None for m in METRICS},
        "weightedRates": {m: value(weighted.loc[key, m]) if defined(m, cells) else None for m in METRICS},
    })
pooled_weighted = {}
for m, f in METRICS.items():
    pooled_weighted[m] = value(f(rows["y"], rows["yhat"], sample_weight=rows["w"]))
dump("metric_rates.json", {
    "provenance": {"generator": "Tests/Oracles/make_metric_fixtures.py",
                   "packages": versions("numpy", "pandas", "fairlearn", "scikit-learn"),
                   "calls": CALLS, "data": "Tests/Fixtures/metric_rows.csv (numpy.random.default_rng(12), 3,000 rows)"},
    "notes": "A rate is null where the group has no eligible row (e.g. ppv without a row with yhat = 1): "
             "fairlearn returns 0 there and scikit-learn NaN (zero_division=nan).",
    "pooledWeightedRates": pooled_weighted,
    "cases": cases,
})
