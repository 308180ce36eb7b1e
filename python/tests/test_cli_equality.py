"""The package gives the numbers of the cvar-audit executable on the same
rows: its JSON document, compared field by field (numbers to 1e-12)."""
from __future__ import annotations

import subprocess
import warnings

import numpy as np
import pandas as pd
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
        eps = expected["detectable"]["epsilon"].get(key)  # null: above what a group can show
        assert np.isnan(p.detectable_epsilon[name]) if eps is None else \
            p.detectable_epsilon[name] == pytest.approx(eps, rel=1e-12)
        assert p.formulas[name] == expected["bounds"][key]
    assert p.effective_groups == pytest.approx(expected["effectiveGroups"], abs=1e-12)


@pytest.mark.parametrize("metric,options,kwargs", [
    ("tpr", [], {}), ("recall", [], {}), ("ppv", [], {}), ("npv", [], {}), ("accuracy", [], {}),
    ("fdr", ["--alpha", "0.2"], dict(alpha=0.2)), ("for", [], {}), ("tnr", [], {}),
    ("selection", ["--worse", "lower"], dict(worse="lower")), ("fnr", ["--worse", "lower"], dict(worse="lower")),
])
def test_every_metric_and_worse_match_cli(cli, compas, metric, options, kwargs):
    # The metrics of issue 12 (and fairlearn's names for them) with their own worse side, and
    # worse= as --worse: the document of `cvar-audit audit` and the test's p-values.
    expected = run_cli(cli, ["audit", "--metric", metric, *options])
    r = cvaraudit.audit(compas, sensitive_features=COMPAS_FEATURES, y_true="two_year_recid", y_pred="pred",
                        metric=metric, **kwargs)
    assert_same(r.to_dict(), expected)
    expected = run_cli(cli, ["test", "--metric", metric, "--permutations", "199", *options])
    t = cvaraudit.test(compas, sensitive_features=COMPAS_FEATURES, y_true="two_year_recid", y_pred="pred",
                       metric=metric, permutations=199, **kwargs)
    assert t.pvalue == expected["pValue"] and t.statistic == pytest.approx(expected["value"], rel=1e-12)


def test_tpr_lower_is_worse_mirrors_fnr(compas):
    # tpr = 1 − fnr on the same rows, lower worse: the same disparities and CVaR as fnr, higher worse.
    args = dict(sensitive_features=COMPAS_FEATURES, y_true="two_year_recid", y_pred="pred")
    tpr, fnr = cvaraudit.audit(compas, metric="tpr", **args), cvaraudit.audit(compas, metric="fnr", **args)
    assert tpr.cvar == pytest.approx(fnr.cvar, abs=1e-12)
    np.testing.assert_allclose(tpr.by_group["disparity"].sort_index(), fnr.by_group["disparity"].sort_index(),
                               atol=1e-12)


def test_plan_warnings_match_cli(cli, compas):
    # Uniform weights over race x sex x age_cat: the stratified and two-stage designs ask the
    # small groups for more rows than they have; the warnings are the CLI's, also raised.
    args = ["plan", "--group-by", "race,sex,age_cat", "--epsilon", "0.05"]
    expected = run_cli(cli, args)
    assert expected["warnings"], "the case must produce warnings"
    with pytest.warns(UserWarning) as caught:
        p = cvaraudit.plan(compas, sensitive_features=["race", "sex", "age_cat"], epsilon=0.05)
    assert p.warnings == expected["warnings"]
    assert [str(w.message) for w in caught] == expected["warnings"]
    text = subprocess.run([cli, *args], capture_output=True, text=True, check=True).stdout
    # The text output wraps each warning at 100 columns, continuation lines indented by two spaces.
    shown, lines = [], text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Warning: "):
            block = [line]
            for follow in lines[i + 1:]:
                if not follow.startswith("  "):
                    break
                block.append(follow)
            assert all(len(part) <= 100 for part in block), block
            shown.append(" ".join([line.removeprefix("Warning: ")] + [part[2:] for part in block[1:]]))
    assert shown == expected["warnings"]
    assert cvaraudit.plan(num_groups=30, epsilon=0.05).warnings == []


@pytest.mark.parametrize("metric,extra", [("fnr", []), ("fpr", ["--samples", "3000"]), ("tpr", []),
                                          ("error", ["--base-rate", "0.2"]), ("ppv", ["--bound", "cantelli"])])
def test_plan_on_a_metric_matches_cli(cli, compas, tmp_path, metric, extra):
    # plan(metric=...) is `plan --metric`: shares and base rate from the eligible rows, sizes in
    # total rows, the warnings in the metric's noun, the base rate in the metric's scale.
    kwargs = {"--samples": ("samples", int), "--base-rate": ("base_rate", float), "--bound": ("bound", str)}
    options = {kwargs[extra[i]][0]: kwargs[extra[i]][1](extra[i + 1]) for i in range(0, len(extra), 2)}
    frame = compas[["race", "sex", "two_year_recid", "pred"]]
    expected = run_cli(cli, ["plan", "--group-by", "race,sex", "--label", "two_year_recid", "--prediction", "pred",
                             "--metric", metric, *extra], frame, tmp_path)
    del expected["source"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        p = cvaraudit.plan(frame, sensitive_features=["race", "sex"], y_true="two_year_recid", y_pred="pred",
                           metric=metric, **options)
    assert_same(p.to_dict(), expected)
    assert p.eligible["total_rows"]["cvar_iid"] == expected["eligible"]["totalRows"]["cvarIID"]
    assert p.base_rate == expected["baseRate"]


def test_plan_metric_errors(compas):
    with pytest.raises(ValueError, match=r"needs data with sensitive_features"):
        cvaraudit.plan(num_groups=10, metric="fnr")
    with pytest.raises(ValueError, match=r"needs y_true"):
        cvaraudit.plan(compas, sensitive_features=["race"], y_pred="pred", metric="fnr")
    with pytest.raises(ValueError, match=r"not detectable: ε = 0.7: with base rate b = 0.374, a group's fnr can rise"):
        cvaraudit.plan(compas, sensitive_features=["race", "sex"], y_true="two_year_recid", y_pred="pred",
                       metric="fnr", epsilon=0.7)


def _by_group_extras_match(frame, groups, names):
    """by_group's ratio, below_four_fifths and confusion counts equal the CLI document's groups."""
    assert len(frame) == len(groups)
    for (key, row), g in zip(frame.iterrows(), groups):
        key = key if isinstance(key, tuple) else (key,)
        assert dict(zip(names, key)) == g["key"]
        if "ratio" in g:
            assert row["ratio"] == pytest.approx(g["ratio"], rel=1e-12, abs=1e-12)
        else:
            assert np.isnan(row["ratio"])
        for name in ["tn", "fp", "fn", "tp"]:
            assert (row[name] is pd.NA) if name not in g else row[name] == g[name], (key, name)
        if "below_four_fifths" in frame.columns:
            flag = row["below_four_fifths"]
            assert (flag is pd.NA) if "belowFourFifths" not in g else bool(flag) == g["belowFourFifths"], key


@pytest.mark.parametrize("metric", ["error", "fnr", "fpr", "selection"])
def test_by_group_ratio_and_counts_match_cli(cli, compas, metric):
    expected = run_cli(cli, ["audit", "--metric", metric])
    r = cvaraudit.audit(compas, sensitive_features=COMPAS_FEATURES, y_true="two_year_recid", y_pred="pred",
                        metric=metric)
    _by_group_extras_match(r.by_group, expected["groups"], COMPAS_FEATURES)
    assert r.by_group["below_four_fifths"].notna().all() == (metric == "selection")
    # n counts the rows the rate is over: all of them, the positives (FNR) or the negatives (FPR).
    eligible = {"error": ["tn", "fp", "fn", "tp"], "selection": ["tn", "fp", "fn", "tp"], "fnr": ["fn", "tp"],
                "fpr": ["tn", "fp"]}[metric]
    assert r.by_group[eligible].sum(axis=1).tolist() == r.by_group["n"].tolist()
    expected = run_cli(cli, ["test", "--metric", metric, "--permutations", "99"])
    t = cvaraudit.test(compas, sensitive_features=COMPAS_FEATURES, y_true="two_year_recid", y_pred="pred",
                       metric=metric, permutations=99)
    _by_group_extras_match(t.by_group, expected["groups"], COMPAS_FEATURES)


def test_by_group_without_labels_or_with_a_loss_has_no_counts(cli, tmp_path):
    df = generated(9, rows=4_000, levels=(3, 2, 2))
    df["l"] = (df["a"] + 1) / 10.0 * df["y"]
    expected = run_cli(cli, ["audit", "--group-by", "a,b", "--metric", "loss:l"], df, tmp_path)
    r = cvaraudit.audit(df, sensitive_features=["a", "b"], metric="loss", loss="l")
    _by_group_extras_match(r.by_group, expected["groups"], ["a", "b"])
    assert r.by_group[["tn", "fp", "fn", "tp"]].isna().all().all()
    assert r.by_group["ratio"].notna().all()
    expected = run_cli(cli, ["audit", "--group-by", "a,b", "--metric", "selection", "--prediction", "p"],
                       df.drop(columns=["y"]), tmp_path)
    r = cvaraudit.audit(df, sensitive_features=["a", "b"], y_pred="p", metric="selection")
    _by_group_extras_match(r.by_group, expected["groups"], ["a", "b"])
    assert r.by_group["below_four_fifths"].notna().all()


def _plan_document(cli, args):
    expected = run_cli(cli, ["plan", *args])
    del expected["source"]
    return expected


@pytest.mark.parametrize("options,kwargs", [
    ([], {}),
    (["--base-rate", "0.2"], dict(base_rate=0.2)),
    (["--bound", "cantelli"], dict(bound="cantelli")),
    (["--base-rate", "0.05", "--bound", "cantelli", "--alpha", "0.3", "--epsilon", "0.05", "--power", "0.8",
      "--samples", "10000"], dict(base_rate=0.05, bound="cantelli", alpha=0.3, epsilon=0.05, power=0.8, samples=10_000)),
    (["--base-rate", "0", "--delta", "0.01"], dict(base_rate=0.0, delta=0.01)),
])
def test_plan_document_matches_cli(cli, compas, tmp_path, options, kwargs):
    p = cvaraudit.plan(num_groups=40, **kwargs)
    assert_same(p.to_dict(), _plan_document(cli, ["--num-groups", "40", *options]))
    assert p.base_rate == kwargs.get("base_rate", 0.5) and p.bound == kwargs.get("bound", "normal")
    p = cvaraudit.plan(compas, sensitive_features=["race", "sex"], weights="population", **kwargs)
    assert_same(p.to_dict(), _plan_document(cli, ["--group-by", "race,sex", "--weights", "population", *options]))
    shares = [0.4, 0.3, 0.2, 0.05, 0.05]
    (tmp_path / "shares.txt").write_text("".join(f"{s}\n" for s in shares))
    p = cvaraudit.plan(shares=shares, **kwargs)
    assert_same(p.to_dict(), _plan_document(cli, ["--shares", str(tmp_path / "shares.txt"), *options]))


def test_plan_bounds_order():
    # The Cantelli multipliers exceed the normal quantiles, and σ² = b(1 − b) shrinks away from 1/2.
    normal = cvaraudit.plan(num_groups=40)
    cantelli = cvaraudit.plan(num_groups=40, bound="cantelli")
    low_base = cvaraudit.plan(num_groups=40, base_rate=0.1)
    for design in normal.samples:
        assert cantelli.samples[design] > normal.samples[design], design
    for design in ["cvar_iid", "cvar_stratified"]:
        assert low_base.samples[design] < normal.samples[design], design


@pytest.mark.parametrize("metric,options", [("error", []), ("fnr", ["--weights", "population"]),
                                            ("tpr", ["--alpha", "0.3"]), ("selection", [])])
def test_sample_weight_matches_cli(cli, compas, tmp_path, metric, options):
    # audit(sample_weight=) is audit --sample-weight: weighted rates, shares and reference, Kish's n.
    frame = compas[["race", "sex", "age_cat", "two_year_recid", "pred"]].copy()
    frame["w"] = np.random.default_rng(5).lognormal(0, 0.7, len(frame)).round(3)
    expected = run_cli(cli, ["audit", "--group-by", "race,sex,age_cat", "--label", "two_year_recid",
                             "--prediction", "pred", "--metric", metric, "--sample-weight", "w", *options],
                       frame, tmp_path)
    kwargs = {"weights": "population"} if "population" in options else {"alpha": 0.3} if "--alpha" in options else {}
    r = cvaraudit.audit(frame, sensitive_features=COMPAS_FEATURES, y_true="two_year_recid", y_pred="pred",
                        metric=metric, sample_weight="w", **kwargs)
    assert_same(r.to_dict(), expected)
    # The weighted rate of a group is Σwℓ/Σw over its eligible rows (pandas, by hand).
    eligible = frame if metric in ("error", "selection") else frame[frame["two_year_recid"] == 1]
    loss = {"error": eligible["pred"] != eligible["two_year_recid"], "fnr": eligible["pred"] == 0,
            "tpr": eligible["pred"] == 1, "selection": eligible["pred"] == 1}[metric]
    by_hand = (eligible["w"] * loss).groupby([eligible[c] for c in COMPAS_FEATURES]).sum() \
        / eligible["w"].groupby([eligible[c] for c in COMPAS_FEATURES]).sum()
    got = r.by_group["rate"].dropna()
    np.testing.assert_allclose(got.sort_index(), by_hand.loc[got.index].sort_index(), rtol=1e-12)
    assert (r.by_group["weight_sum"] > 0).all() and (r.by_group["effective_n"] <= r.by_group["n"] + 1e-9).all()


def test_sample_weight_errors(compas):
    args = dict(sensitive_features=COMPAS_FEATURES, y_true="two_year_recid", y_pred="pred")
    w = np.ones(len(compas))
    w[3] = -1
    with pytest.raises(ValueError, match=r"sample_weight: row 3: expected a row weight: a finite number ≥ 0, found -1.0"):
        cvaraudit.audit(compas, sample_weight=w, **args)
    w[3] = np.nan
    with pytest.raises(ValueError, match=r"sample_weight: row 3: expected a row weight"):
        cvaraudit.audit(compas, sample_weight=w, **args)
    with pytest.raises(ValueError, match=r"sample_weight \(column 'nope'\)|no column named 'nope'"):
        cvaraudit.audit(compas, sample_weight="nope", **args)
    with pytest.raises(TypeError):
        cvaraudit.test(compas, sample_weight=np.ones(len(compas)), **args)
