"""The sequential monitor gives cvar-audit monitor's decision and bounds on the same rows."""
from __future__ import annotations

import numpy as np
import pytest

import cvaraudit
from conftest import assert_same, generated, run_cli

FEATURES = ["race", "sex", "age_cat"]
# What the CLI's document adds about reading its input (file name, line, rows read, skipped lines).
INPUT_FIELDS = {"input", "line", "rowsRead", "endOfInput", "ineligibleRows", "skippedLines", "firstSkippedLines"}


def same_as_cli(m, expected):
    got = m.to_dict()
    assert set(expected) - set(got) <= INPUT_FIELDS
    assert_same(got, {k: v for k, v in expected.items() if k not in INPUT_FIELDS})


@pytest.mark.parametrize("options,kwargs", [
    ([], {}),
    (["--metric", "fnr", "--tolerance", "0.3", "--alpha", "0.3"], dict(metric="fnr", tolerance=0.3, alpha=0.3)),
    (["--weights", "population", "--reference", "population", "--l2-test", "--l2-first-look", "64"],
     dict(weights="population", reference="population", l2_test=True, l2_first_look=64)),
    (["--budget", "500", "--reference", "0.35"], dict(budget=500, reference=0.35)),
    # The metrics beyond error/fnr/fpr/selection, with their own worse side, and --worse.
    (["--metric", "tpr", "--tolerance", "0.2"], dict(metric="tpr", tolerance=0.2)),
    (["--metric", "precision", "--tolerance", "0.1", "--alpha", "0.3"], dict(metric="precision", tolerance=0.1, alpha=0.3)),
    (["--metric", "for", "--tolerance", "0.1"], dict(metric="for", tolerance=0.1)),
    (["--metric", "accuracy", "--tolerance", "0.05"], dict(metric="accuracy", tolerance=0.05)),
    (["--metric", "selection", "--worse", "lower", "--tolerance", "0.05"], dict(metric="selection", worse="lower", tolerance=0.05)),
    # The confidence-sequence method, and the mixture betting strategy.
    (["--method", "confidence-sequence"], dict(method="confidence-sequence")),
    (["--betting-strategy", "mixture", "--tolerance", "0.02"], dict(betting_strategy="mixture", tolerance=0.02)),
])
def test_monitor_matches_cli_on_compas(cli, compas, options, kwargs):
    expected = run_cli(cli, ["monitor", *options])
    m = cvaraudit.Monitor.from_frame(compas, sensitive_features=FEATURES, y_true="two_year_recid", y_pred="pred",
                                     **kwargs)
    half = len(compas) // 2
    m.update(compas.iloc[:half])
    if m.decision == "continue":
        m.update(compas.iloc[half:])
    same_as_cli(m, expected)


def test_monitor_matches_cli_on_generated_rows(cli, tmp_path):
    df = generated(6, rows=30_000)
    expected = run_cli(cli, ["monitor", "--group-by", "a,b,c", "--label", "y", "--prediction", "p",
                             "--tolerance", "0.02"], df, tmp_path)
    m = cvaraudit.Monitor.from_frame(df, sensitive_features=["a", "b", "c"], y_true="y", y_pred="p", tolerance=0.02)
    for start in range(0, len(df), 7_000):
        if m.update(df.iloc[start:start + 7_000]) != "continue":
            break
    same_as_cli(m, expected)


def test_observe_one_row_at_a_time_equals_batches(compas):
    args = dict(sensitive_features=["race", "sex"], y_true="two_year_recid", y_pred="pred", budget=300)
    batch = cvaraudit.Monitor.from_frame(compas, **args)
    batch.update(compas)
    single = cvaraudit.Monitor.from_frame(compas, **args)
    for race, sex, y, p in compas[["race", "sex", "two_year_recid", "pred"]].itertuples(index=False):
        if single.observe((race, sex), float(y != p)) != "continue":
            break
    assert single.state == {**batch.state, "consumed": 1}
    assert single.decision == "budgetExhausted" and single.observations == 300


def test_monitor_errors(compas):
    m = cvaraudit.Monitor([("a",), ("b",)], tolerance=0.1)
    with pytest.raises(ValueError, match=r"group \('c',\) was not declared"):
        m.observe("c", 0.0)
    with pytest.raises(ValueError, match=r"expected a loss in \[0, 1\], found 2.0"):
        m.observe("a", 2.0)
    with pytest.raises(ValueError, match=r"delta must lie strictly between 0 and 1"):
        cvaraudit.Monitor(["a", "b"], delta=1.5)
    with pytest.raises(ValueError, match=r"a group is declared twice"):
        cvaraudit.Monitor(["a", "a"])
    declared = cvaraudit.Monitor.from_frame(compas[compas["race"] != "Asian"], sensitive_features=["race"],
                                            y_true="two_year_recid", y_pred="pred")
    with pytest.raises(ValueError, match=r"update: row \d+: group \('Asian',\) was not declared"):
        declared.update(compas)
    assert np.isnan(m.cvar) or m.cvar >= -1
