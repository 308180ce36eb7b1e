"""Inputs the package accepts (arrays, Series, categoricals, booleans) give
the same audit as the DataFrame columns, and invariants hold over seeded
random data sets (a property test)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cvaraudit
from conftest import generated


def test_the_installed_package_is_tested():
    # make python-test installs the wheel into a fresh venv: the sources in python/ must not shadow it.
    import os
    lib = cvaraudit._native.library_path()
    assert os.environ.get("CVARAUDIT_LIBRARY") or "site-packages" in str(lib), lib
    assert lib.exists()


def test_arrays_series_and_categoricals_agree():
    df = generated(4)
    base = cvaraudit.audit(df, sensitive_features=["a", "b", "c"], y_true="y", y_pred="p").to_dict()
    as_arrays = cvaraudit.audit(sensitive_features=df[["a", "b", "c"]], y_true=df["y"].to_numpy(),
                                y_pred=df["p"].astype(bool).to_numpy())
    assert as_arrays.to_dict() == base
    categorical = df.assign(a=df["a"].astype("category"), b=df["b"].astype("category"), c=df["c"].astype(str))
    assert cvaraudit.audit(categorical, sensitive_features=["a", "b", "c"], y_true="y", y_pred="p").to_dict() == base
    as_float = df.assign(y=df["y"].astype(np.float32), p=df["p"].astype(np.int8))
    assert cvaraudit.audit(as_float, sensitive_features=["a", "b", "c"], y_true="y", y_pred="p").to_dict() == base
    wide = df.assign(a=df["a"] + 10**9)  # factorized instead of used as codes: same groups, other labels
    r = cvaraudit.audit(wide, sensitive_features=["a", "b", "c"], y_true="y", y_pred="p")
    assert r.cvar == base["summary"]["cvar"]


def test_by_group_columns_and_json(compas):
    r = cvaraudit.audit(compas, sensitive_features=["race", "sex"], y_true="two_year_recid", y_pred="pred",
                        metric="fnr")
    for column in ["n", "rate", "ci_low", "ci_high", "disparity", "weight", "tail_weight", "in_tail"]:
        assert column in r.by_group.columns
    assert r.by_group.index.names == ["race", "sex"]
    assert r.by_group["disparity"].is_monotonic_decreasing
    assert abs((r.by_group["tail_weight"] * r.by_group["disparity"]).sum() - r.cvar) < 1e-12
    import json
    assert json.loads(r.to_json()) == r.to_dict()
    assert "CVaR" in repr(r) and "tail" in repr(r)


@pytest.mark.parametrize("seed", range(12))
def test_invariants_over_seeded_data(seed):
    rng = np.random.default_rng(1000 + seed)
    rows = int(rng.integers(200, 5000))
    k = int(rng.integers(2, 40))
    df = pd.DataFrame({"g": rng.integers(0, k, rows), "y": rng.integers(0, 2, rows)})
    df["p"] = np.where(rng.random(rows) < rng.uniform(0.05, 0.4), 1 - df["y"], df["y"])
    args = dict(sensitive_features=["g"], y_true="y", y_pred="p")
    previous = np.inf
    for alpha in [0.05, 0.1, 0.3, 0.6, 1.0]:
        r = cvaraudit.audit(df, alpha=alpha, **args)
        low, high = r.cvar_interval
        assert low <= r.cvar <= high
        assert r.cvar <= r.max_gap + 1e-12
        assert r.cvar <= previous + 1e-12  # CVaR_α falls as α grows
        previous = r.cvar
        assert r.by_group["tail_weight"].sum() == pytest.approx(1.0, abs=1e-9)
    assert r.cvar == pytest.approx(r.summary["meanDisparity"], abs=1e-12)  # α = 1: the weighted mean
    t = cvaraudit.test(df, permutations=99, seed=seed, **args)
    assert 0 < t.pvalue <= 1
    assert ((t.by_group["pvalue"] > 0) & (t.by_group["pvalue"] <= 1)).all()
    assert (t.by_group["holm"] >= t.by_group["pvalue"] - 1e-15).all()
    assert (t.by_group["bh"] <= t.by_group["holm"] + 1e-15).all()
    shuffled = df.sample(frac=1, random_state=seed).reset_index(drop=True)
    t2 = cvaraudit.test(shuffled, permutations=99, seed=seed, **args)
    assert t2.pvalue == t.pvalue  # the rows' order does not matter
