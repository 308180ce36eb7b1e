"""Per-group rates equal fairlearn's MetricFrame (the library an auditor
would otherwise use) on COMPAS and on generated rows."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, false_negative_rate, false_positive_rate, selection_rate
from sklearn.metrics import zero_one_loss

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
