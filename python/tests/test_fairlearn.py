"""Per-group rates equal fairlearn's MetricFrame (the library an auditor
would otherwise use) on COMPAS and on generated rows."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, false_negative_rate, false_positive_rate, selection_rate
from sklearn.metrics import confusion_matrix, zero_one_loss

import cvaraudit
from conftest import generated

METRICS = {"error": zero_one_loss, "fnr": false_negative_rate, "fpr": false_positive_rate,
           "selection": selection_rate}


def compare(df, features, y, p, metric):
    r = cvaraudit.audit(df, sensitive_features=features, y_true=y, y_pred=p, metric=metric)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn's warning for a group without positives
        frame = MetricFrame(metrics=METRICS[metric], y_true=df[y], y_pred=df[p],
                            sensitive_features=df[features])
    expected = frame.by_group.dropna()
    expected.index = expected.index.map(lambda k: tuple(str(v) for v in k) if isinstance(k, tuple) else str(k))
    got = r.by_group["rate"]
    got.index = got.index.map(lambda k: tuple(k) if isinstance(k, tuple) else k)
    # fairlearn gives a group without eligible rows (no positives for FNR) a rate of 0 with a
    # warning; the audit leaves it out and lists it in groups_without_rate.
    without = set(r.groups_without_rate if len(features) > 1 else [k[0] for k in r.groups_without_rate])
    assert set(expected.index) - set(got.index) == without
    expected = expected[~expected.index.isin(list(without))]
    assert len(got) == len(expected)
    np.testing.assert_allclose(got.sort_index().to_numpy(), expected.sort_index().to_numpy(), rtol=0, atol=1e-12)
    if not without:
        between = frame.difference(method="between_groups")
        assert r.summary["betweenGroupsDifference"] == pytest.approx(between, abs=1e-12)


@pytest.mark.parametrize("metric", list(METRICS))
def test_rates_equal_metricframe_on_compas(compas, metric):
    compare(compas, ["race", "sex", "age_cat"], "two_year_recid", "pred", metric)


@pytest.mark.parametrize("metric", ["error", "fnr"])
def test_rates_equal_metricframe_on_generated_rows(metric):
    df = generated(3).dropna()
    df["a"] = df["a"].astype(str)
    df["c"] = df["c"].astype(str)
    compare(df, ["a", "b", "c"], "y", "p", metric)


def _count(which):
    def count(y_true, y_pred):
        # sklearn's confusion matrix, labels fixed so that a group with one class still gives 2 × 2.
        return confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel()[which]
    return count


@pytest.mark.parametrize("metric", list(METRICS))
def test_counts_and_ratios_equal_metricframe_on_compas(compas, metric):
    features = ["race", "sex", "age_cat"]
    r = cvaraudit.audit(compas, sensitive_features=features, y_true="two_year_recid", y_pred="pred", metric=metric)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = MetricFrame(metrics={"rate": METRICS[metric], "tn": _count(0), "fp": _count(1), "fn": _count(2),
                                     "tp": _count(3)},
                            y_true=compas["two_year_recid"], y_pred=compas["pred"], sensitive_features=compas[features])
    expected = frame.by_group.loc[list(r.by_group.index)]
    for name in ["tn", "fp", "fn", "tp"]:
        assert r.by_group[name].astype(np.int64).tolist() == expected[name].astype(np.int64).tolist(), name
    # The ratio against the pooled rate is fairlearn's per-group rate over its overall rate.
    np.testing.assert_allclose(r.by_group["ratio"].to_numpy(),
                               (expected["rate"] / frame.overall["rate"]).to_numpy(dtype=np.float64), rtol=1e-12)
    if metric == "selection":
        # The four-fifths flag is the ratio below 0.8 (fairlearn's demographic_parity_ratio is its minimum over groups
        # against the largest rate, another reference: not compared).
        assert (r.by_group["below_four_fifths"].astype(bool) == (r.by_group["ratio"] < 0.8)).all()
