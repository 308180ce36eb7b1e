"""The package gives the numbers of the cvar-audit executable on the same
rows: its JSON document, compared field by field (numbers to 1e-12)."""
from __future__ import annotations

import pytest

import cvaraudit
from conftest import assert_same, generated, run_cli

COMPAS_FEATURES = ["race", "sex", "age_cat"]


@pytest.mark.parametrize("metric", ["error", "fnr", "fpr", "selection"])
def test_audit_matches_cli_on_embedded_compas(cli, compas, metric):
    expected = run_cli(cli, ["audit", "--metric", metric])
    r = cvaraudit.audit(compas, sensitive_features=COMPAS_FEATURES, y_true="two_year_recid", y_pred="pred",
                        metric=metric)
    assert_same(r.to_dict(), expected)
    assert r.cvar == pytest.approx(expected["summary"]["cvar"], abs=1e-12)
    assert list(r.by_group["n"]) == [g["n"] for g in expected["groups"]]


@pytest.mark.parametrize("options,kwargs", [
    (["--alpha", "0.3", "--weights", "population"], dict(alpha=0.3, weights="population")),
    (["--disparity", "two-sided", "--confidence-level", "0.9", "--interval", "clopper-pearson"],
     dict(disparity="two-sided", confidence_level=0.9, interval="clopper-pearson")),
    (["--reference", "group:Caucasian,Male,25 - 45"], dict(reference=("Caucasian", "Male", "25 - 45"))),
    (["--reference", "0.3", "--alpha", "1"], dict(reference=0.3, alpha=1.0)),
])
def test_audit_options_match_cli(cli, compas, options, kwargs):
    expected = run_cli(cli, ["audit", "--metric", "fnr", *options])
    r = cvaraudit.audit(compas, sensitive_features=COMPAS_FEATURES, y_true="two_year_recid", y_pred="pred",
                        metric="fnr", **kwargs)
    assert_same(r.to_dict(), expected)


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("missing", ["keep", "exclude"])
def test_audit_matches_cli_on_generated_rows(cli, tmp_path, seed, missing):
    df = generated(seed)
    expected = run_cli(cli, ["audit", "--group-by", "a,b,c", "--label", "y", "--prediction", "p",
                             "--missing", missing], df, tmp_path)
    r = cvaraudit.audit(df, sensitive_features=["a", "b", "c"], y_true="y", y_pred="p", missing=missing)
    assert_same(r.to_dict(), expected)
    if missing == "exclude":
        assert r.excluded_rows["missingAttribute"] == int(df["b"].isna().sum())


def test_test_matches_cli_with_same_seed(cli, compas):
    args = ["test", "--metric", "fnr", "--permutations", "999", "--seed", "11"]
    expected = run_cli(cli, args)
    t = cvaraudit.test(compas, sensitive_features=COMPAS_FEATURES, y_true="two_year_recid", y_pred="pred",
                       metric="fnr", permutations=999, seed=11)
    assert_same(t.to_dict(), expected)
    again = cvaraudit.test(compas, sensitive_features=COMPAS_FEATURES, y_true="two_year_recid", y_pred="pred",
                           metric="fnr", permutations=999, seed=11)
    assert again.pvalue == t.pvalue
    assert list(again.by_group["pvalue"]) == list(t.by_group["pvalue"])


@pytest.mark.parametrize("options,kwargs", [
    (["--statistic", "cvar", "--seed", "3"], dict(statistic="cvar", seed=3)),
    (["--statistic", "max", "--disparity", "two-sided"], dict(statistic="max", disparity="two-sided")),
    (["--calibration", "bound"], dict(calibration="bound")),
    (["--calibration", "tolerance", "--tolerance", "0.05"], dict(calibration="tolerance", tolerance=0.05)),
])
def test_test_options_match_cli(cli, tmp_path, options, kwargs):
    df = generated(5)
    expected = run_cli(cli, ["test", "--group-by", "a,b,c", "--label", "y", "--prediction", "p",
                             "--permutations", "499", *options], df, tmp_path)
    t = cvaraudit.test(df, sensitive_features=["a", "b", "c"], y_true="y", y_pred="p", permutations=499, **kwargs)
    assert_same(t.to_dict(), expected)


def test_loss_metric_matches_cli(cli, tmp_path):
    df = generated(8, rows=3_000, levels=(3, 2, 2))
    df["l"] = (df["a"] + 1) / 10.0 * df["y"]
    expected = run_cli(cli, ["audit", "--group-by", "a,b", "--metric", "loss:l"], df, tmp_path)
    r = cvaraudit.audit(df, sensitive_features=["a", "b"], metric="loss", loss="l")
    assert_same(r.to_dict(), expected)
    expected = run_cli(cli, ["test", "--group-by", "a,b", "--metric", "loss:l", "--permutations", "199",
                             "--seed", "4"], df, tmp_path)
    t = cvaraudit.test(df, sensitive_features=["a", "b"], metric="loss:l", permutations=199, seed=4)
    assert_same(t.to_dict(), expected)


def test_plan_matches_cli(cli, compas):
    expected = run_cli(cli, ["plan", "--group-by", "race,sex", "--samples", "5000"])
    p = cvaraudit.plan(compas, sensitive_features=["race", "sex"], samples=5000)
    for name, key in [("max_gap", "maxGap"), ("cvar_iid", "cvarIID"), ("cvar_stratified", "cvarStratified"),
                      ("two_stage", "twoStage")]:
        assert p.samples[name] == expected["samples"][key], name
        assert p.detectable_epsilon[name] == pytest.approx(expected["detectable"]["epsilon"][key], rel=1e-12)
        assert p.formulas[name] == expected["bounds"][key]
    assert p.effective_groups == pytest.approx(expected["effectiveGroups"], abs=1e-12)
