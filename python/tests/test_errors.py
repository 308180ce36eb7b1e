"""Bad input raises ValueError with a clear message; nothing crashes the interpreter."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cvaraudit

FEATURES = ["race", "sex"]


def run(df, **kwargs):
    args = dict(sensitive_features=FEATURES, y_true="two_year_recid", y_pred="pred")
    args.update(kwargs)
    return cvaraudit.audit(df, **args)


def test_missing_column(compas):
    with pytest.raises(ValueError, match=r"sensitive_features: no column named 'gender'; the columns are: 'race'"):
        run(compas, sensitive_features=["race", "gender"])
    with pytest.raises(ValueError, match=r"y_true: no column named 'label'"):
        run(compas, y_true="label")


def test_nan_labels(compas):
    df = compas.assign(two_year_recid=compas["two_year_recid"].astype(float))
    df.loc[17, "two_year_recid"] = np.nan
    with pytest.raises(ValueError, match=r"y_true \(column 'two_year_recid'\): row 17: expected a label 0 or 1 \(or True/False\), found NaN"):
        run(df)
    nullable = compas.assign(pred=compas["pred"].astype("Int64"))
    nullable.loc[3, "pred"] = pd.NA
    with pytest.raises(ValueError, match=r"y_pred \(column 'pred'\): row 3: .*missing value"):
        run(nullable)


def test_wrong_dtype_and_values(compas):
    with pytest.raises(ValueError, match=r"y_pred \(column 'pred'\): row 0: expected a prediction 0 or 1 \(or True/False\), found 'yes'"):
        run(compas.assign(pred="yes"))
    with pytest.raises(ValueError, match=r"y_pred \(column 'pred'\): row 0: expected a prediction 0 or 1 .* found 2"):
        run(compas.assign(pred=2))
    with pytest.raises(ValueError, match=r"found 0.5"):
        run(compas.assign(two_year_recid=0.5))
    with pytest.raises(ValueError, match=r"y_pred \(column .pred.\): row 0: expected a prediction 0 or 1 \(or True/False\), found 255"):  # checked in the core
        run(compas.assign(pred=np.uint8(255)))
    with pytest.raises(ValueError, match=r"loss \(column 'race'\): expected numbers in \[0, 1\]"):
        run(compas, metric="loss", loss="race", y_true=None, y_pred=None)
    with pytest.raises(ValueError, match=r"loss: row 1: expected a loss in \[0, 1\], found 1.5"):
        run(compas.iloc[:3], metric="loss", loss=np.array([0.1, 1.5, 0.2]), y_true=None, y_pred=None)


def test_empty_frame(compas):
    with pytest.raises(ValueError, match=r"no data rows: the data are empty"):
        run(compas.iloc[:0])


def test_options_out_of_range(compas):
    with pytest.raises(ValueError, match=r"alpha must lie in \(0, 1\] \(got 0.0\)"):
        run(compas, alpha=0)
    with pytest.raises(ValueError, match=r"confidence_level must lie strictly between 0 and 1 \(got 1.0\)"):
        run(compas, confidence_level=1)
    with pytest.raises(ValueError, match=r"metric: unknown metric 'recal'; use error, accuracy, fnr"):
        run(compas, metric="recal")
    with pytest.raises(ValueError, match=r"worse must be 'higher' or 'lower' \(got 'up'\)"):
        run(compas, worse="up")
    with pytest.raises(ValueError, match=r"worse='lower' applies to a one-sided disparity"):
        run(compas, worse="lower", disparity="two-sided")
    with pytest.raises(ValueError, match=r"the metric 'fnr' needs y_true"):
        run(compas, metric="fnr", y_true=None)
    with pytest.raises(ValueError, match=r"interval wilson needs a binary metric"):
        run(compas, metric="loss", loss=np.zeros(len(compas)), interval="wilson", y_true=None, y_pred=None)
    with pytest.raises(ValueError, match=r"reference group: needs 2 value\(s\)"):
        run(compas, reference=("Caucasian",))
    with pytest.raises(ValueError, match=r"the reference group Martian,Male has no rows"):
        run(compas, reference=("Martian", "Male"))
    with pytest.raises(ValueError, match=r"alpha must be a number"):
        run(compas, alpha="0.1")


def test_test_errors(compas):
    args = dict(sensitive_features=FEATURES, y_true="two_year_recid", y_pred="pred")
    with pytest.raises(ValueError, match=r"delta must lie strictly between 0 and 1"):
        cvaraudit.test(compas, delta=0, **args)
    with pytest.raises(ValueError, match=r"permutations must be at least 1 \(got 0\)"):
        cvaraudit.test(compas, permutations=0, **args)
    with pytest.raises(ValueError, match=r"calibration='tolerance' needs tolerance"):
        cvaraudit.test(compas, calibration="tolerance", **args)
    with pytest.raises(ValueError, match=r"needs at least two groups with rows eligible for 'error' \(found 1\)"):
        cvaraudit.test(compas.assign(race="x", sex="y"), **args)
    with pytest.raises(ValueError, match=r"seed must be an integer"):
        cvaraudit.test(compas, seed=-1, **args)


def test_no_eligible_rows(compas):
    with pytest.raises(ValueError, match=r"no rows are eligible for the metric 'fnr' \(the false negative rate needs rows with label 1\)"):
        run(compas.assign(two_year_recid=0), metric="fnr")


def test_lengths_and_shapes(compas):
    with pytest.raises(ValueError, match=r"y_true: has 3 rows, expected 7214"):
        cvaraudit.audit(compas, sensitive_features=FEATURES, y_true=[0, 1, 0], y_pred="pred")
    with pytest.raises(ValueError, match=r"names a column twice"):
        run(compas, sensitive_features=["race", "race"])
    with pytest.raises(ValueError, match=r"data must be a pandas DataFrame"):
        cvaraudit.audit(compas.to_numpy(), sensitive_features=FEATURES, y_true="two_year_recid", y_pred="pred")
    with pytest.raises(ValueError, match=r"needs y_pred"):
        run(compas, y_pred=None)


def test_plan_errors():
    with pytest.raises(ValueError, match=r"give the groups one way"):
        cvaraudit.plan()
    # The same message as `cvar-audit plan`'s exit 2, with the option named as in Python.
    with pytest.raises(ValueError, match=r"not detectable: ε = 2: a rate disparity is at most 1; .* to at most 0.5$"):
        cvaraudit.plan(num_groups=10, epsilon=2)
    with pytest.raises(ValueError, match=r"not detectable: ε = 0.1: with base rate b = 0.95, .*lower epsilon to at most 0.05"):
        cvaraudit.plan(num_groups=10, epsilon=0.1, base_rate=0.95)
    with pytest.raises(ValueError, match=r"group 2 has share 0"):
        cvaraudit.plan(shares=[0.5, 0, 0.5])
    with pytest.raises(ValueError, match=r"base_rate must lie in \[0, 1\) \(got 1.0\)"):
        cvaraudit.plan(num_groups=10, base_rate=1)
    with pytest.raises(ValueError, match=r"base_rate must lie in \[0, 1\) \(got -0.1\)"):
        cvaraudit.plan(num_groups=10, base_rate=-0.1)
    with pytest.raises(ValueError, match=r"base_rate must be a finite number"):
        cvaraudit.plan(num_groups=10, base_rate=float("nan"))
    with pytest.raises(ValueError, match=r"bound must be 'normal' or 'cantelli' \(got 'bonferroni'\)"):
        cvaraudit.plan(num_groups=10, bound="bonferroni")
    with pytest.raises(ValueError, match=r"^not reachable: max_gap, cvar_iid, cvar_stratified, two_stage would need more than 2\^53"):
        cvaraudit.plan(num_groups=10, epsilon=1e-9)


@pytest.mark.parametrize("features", [["race"], ["race", "sex"]])
def test_core_checks_the_buffers_too(compas, features):
    # The C entry point validates what it reads (the Python layer never sends such codes or labels):
    # a code out of range or a label of 2 is an error message, never a trap.
    from cvaraudit import _api, _native
    request, columns = _api._prepare(compas, features, "two_year_recid", "pred", "error", None, "audit")
    codes = [c.copy() for c in columns["codes"]]
    codes[0][5] = 99
    with pytest.raises(ValueError, match=r"sensitive feature 'race': row 5 has code 99, outside -1\.\.<6"):
        _native.call(request, **{**columns, "codes": codes})
    labels = columns["labels"].copy()
    labels[7] = 2
    with pytest.raises(ValueError, match=r"y_true \(column .two_year_recid.\): row 7: expected a label 0 or 1 \(or True/False\), found 2"):
        _native.call(request, **{**columns, "labels": labels})
