"""Result objects: pandas tables for the per-group lines, attributes for the
numbers an auditor reads first, and ``to_json()`` for the document
``cvar-audit`` writes with ``--format json`` (same names, same numbers)."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd


def _float(x: Optional[float]) -> float:
    return math.nan if x is None else float(x)


def _floats(xs: Any) -> np.ndarray:
    if isinstance(xs, np.ndarray):
        return xs.astype(np.float64, copy=False)
    return np.array([math.nan if x is None else x for x in xs], dtype=np.float64)


def _json_number(x: Any) -> Optional[float]:
    """A per-group number as the CLI's JSON has it: None (left out) for NaN."""
    x = float(x)
    return None if math.isnan(x) else x


def _index(keys: List[List[str]], names: List[str]) -> pd.Index:
    if len(names) == 1:
        return pd.Index([k[0] for k in keys], name=names[0], dtype=object)
    return pd.MultiIndex.from_tuples([tuple(k) for k in keys], names=names) if keys else \
        pd.MultiIndex.from_arrays([[] for _ in names], names=names)


def _key_object(names: List[str], key: List[str]) -> Dict[str, str]:
    return dict(zip(names, key))


def _prune(value: Any) -> Any:
    """Drops the members whose value is None, as the CLI's encoder leaves out
    an absent optional (a null inside an array stays)."""
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune(v) if isinstance(v, (dict, list)) else v for v in value]
    return value


def _counts(columns: Dict[str, Any], i: int) -> Dict[str, Optional[int]]:
    """Group i's confusion counts tn, fp, fn, tp (None without labels and predictions)."""
    out: Dict[str, Optional[int]] = {}
    for name in ("tn", "fp", "fn", "tp"):
        x = columns[name][i]
        out[name] = None if math.isnan(x) else int(x)
    return out


def _ratio_and_counts(g: Dict[str, Any]) -> Dict[str, Any]:
    """The ratio μ̂_g / μ_ref and the confusion counts as DataFrame columns
    (nullable integers: <NA> where the metric has no labels and predictions)."""
    out: Dict[str, Any] = {"ratio": _floats(g["ratio"])}
    for name in ("tn", "fp", "fn", "tp"):
        x = _floats(g[name])
        out[name] = pd.array([pd.NA if math.isnan(v) else int(v) for v in x], dtype="Int64")
    return out


def _dumps(document: Dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)


def _show(key: Any) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return " | ".join("(missing)" if p == "" else str(p) for p in parts)


@dataclass(repr=False)
class AuditResult:
    """The audit of one metric across the intersectional groups.

    Attributes:
        by_group: one row per group with a rate, worst disparity first: ``n``
            (eligible rows), ``sum``, ``rate``, ``ci_low``/``ci_high`` (per-group
            interval), ``disparity``, ``disparity_low``/``disparity_high``
            (simultaneous interval), ``weight``, ``tail_weight`` (the group's
            share of the CVaR), ``in_tail``, ``ratio`` (μ̂_g / μ_ref, NaN when
            μ_ref = 0), ``below_four_fifths`` (ratio < 0.8, the four-fifths
            rule; <NA> unless the metric is the selection rate) and the
            confusion counts ``tn``, ``fp``, ``fn``, ``tp`` of the group's rows
            (<NA> for a loss, or for the selection rate without labels); with
            ``sample_weight``, also ``weight_sum`` (Σw) and ``effective_n``
            (Kish's (Σw)²/Σw²); indexed
            by the sensitive feature values (text, as in a CSV export; "" is a
            missing value).
        cvar: CVaR_α of the disparities.
        cvar_interval: simultaneous (1 − δ) interval for the CVaR.
        max_gap: the largest disparity.
        summary: every summary number, under the names of the CLI's JSON.
    """
    raw: Dict[str, Any]
    by_group: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        g = self.raw["groups"]
        names = self.raw["groupBy"]
        tail = _floats(g["tailWeight"])
        self.by_group = pd.DataFrame({
            "n": np.asarray(g["n"], dtype=np.int64),
            "sum": np.asarray(g["sum"], dtype=np.float64),
            "rate": _floats(g["rate"]),
            "ci_low": _floats(g["ciLow"]),
            "ci_high": _floats(g["ciHigh"]),
            "disparity": _floats(g["disparity"]),
            "disparity_low": _floats(g["disparityLow"]),
            "disparity_high": _floats(g["disparityHigh"]),
            "weight": np.asarray(g["weight"], dtype=np.float64),
            "tail_weight": tail,
            "in_tail": tail > 0,
            **_ratio_and_counts(g),
        }, index=_index(g["key"], names))
        four_fifths = _floats(g["belowFourFifths"])
        self.by_group.insert(self.by_group.columns.get_loc("ratio") + 1, "below_four_fifths",
                             pd.array([pd.NA if math.isnan(v) else bool(v) for v in four_fifths], dtype="boolean"))
        if "weightSum" in g:  # audit(sample_weight=...): Σw and Kish's effective n per group
            self.by_group["weight_sum"] = _floats(g["weightSum"])
            self.by_group["effective_n"] = _floats(g["effectiveN"])

    @property
    def summary(self) -> Dict[str, Any]:
        """The summary numbers (the CLI's ``summary`` object; null → NaN)."""
        out: Dict[str, Any] = {}
        for k, v in self.raw["summary"].items():
            if k == "cvarInterval":
                out[k] = tuple(_float(x) for x in v)
            elif v is None:
                out[k] = math.nan
            else:
                out[k] = v
        return out

    @property
    def cvar(self) -> float:
        """CVaR_α of the group disparities (plug-in)."""
        return _float(self.raw["summary"].get("cvar"))

    @property
    def cvar_interval(self) -> Tuple[float, float]:
        """Simultaneous confidence interval for the CVaR (Clopper–Pearson at δ/m for binary metrics)."""
        low, high = self.raw["summary"]["cvarInterval"]
        return _float(low), _float(high)

    @property
    def max_gap(self) -> float:
        """max_g Δ̂_g, the largest disparity."""
        return _float(self.raw["summary"].get("maxGap"))

    @property
    def var(self) -> float:
        """VaR_α of the disparities (the tail's threshold)."""
        return _float(self.raw["summary"].get("var"))

    @property
    def reference_rate(self) -> float:
        """μ_ref, the rate disparities are measured against."""
        return _float(self.raw["summary"].get("referenceRate"))

    @property
    def tail(self) -> pd.DataFrame:
        """The groups in the CVaR tail (``by_group`` rows with ``in_tail``)."""
        return self.by_group[self.by_group["in_tail"]]

    @property
    def groups_without_rate(self) -> List[Tuple[str, ...]]:
        """Groups with rows but none eligible for the metric (e.g. no positives for FNR)."""
        return [tuple(k) for k in self.raw["groupsWithoutRate"]]

    @property
    def excluded_rows(self) -> Dict[str, int]:
        """Rows left out, by reason (``missingAttribute`` with ``missing="exclude"``)."""
        return dict(self.raw["excludedRows"]["byReason"])

    def to_dict(self) -> Dict[str, Any]:
        """The document of ``cvar-audit audit --format json`` (schema version 1)."""
        r = self.raw
        names = r["groupBy"]
        g = r["groups"]
        groups = []
        c = {name: [_json_number(x) for x in g[name]] for name in
             ["sum", "rate", "ciLow", "ciHigh", "disparity", "disparityLow", "disparityHigh", "weight", "tailWeight",
              "ratio", "belowFourFifths"]}
        for i, key in enumerate(g["key"]):
            four_fifths = c["belowFourFifths"][i]
            groups.append({
                "key": _key_object(names, key), "n": int(g["n"][i]), "sum": c["sum"][i], "rate": c["rate"][i],
                "ci": [c["ciLow"][i], c["ciHigh"][i]], "disparity": c["disparity"][i],
                "disparityInterval": [c["disparityLow"][i], c["disparityHigh"][i]],
                "weight": c["weight"][i], "tailWeight": c["tailWeight"][i], "inTail": bool(c["tailWeight"][i] > 0),
                "ratio": c["ratio"][i], "belowFourFifths": None if four_fifths is None else bool(four_fifths),
                **_counts(g, i),
                **({"weightSum": _json_number(g["weightSum"][i]), "effectiveN": _json_number(g["effectiveN"][i])}
                   if "weightSum" in g else {}),
            })
        return _prune({
            "schemaVersion": 1, "metric": r["metric"], "alpha": r["alpha"], "groupBy": names,
            "weights": r["weights"], "disparity": r["disparity"], "worse": r["worse"], "reference": r["reference"],
            "confidenceLevel": r["confidenceLevel"], "interval": r["interval"],
            "simultaneousInterval": r["simultaneousInterval"], "groups": groups,
            "groupsWithoutRate": [_key_object(names, k) for k in r["groupsWithoutRate"]],
            "summary": r["summary"], "excludedRows": r["excludedRows"], "sampleWeight": r.get("sampleWeight"),
            "verdict": r["verdict"],
        })

    def to_json(self) -> str:
        """The JSON text of ``to_dict()`` (sorted keys, two-space indent)."""
        return _dumps(self.to_dict())

    def __repr__(self) -> str:
        s = self.raw["summary"]
        r = self.raw
        lines = [
            f"CVaR audit of '{r['metric']}' across {' × '.join(r['groupBy'])}: {s['groups']} groups, "
            f"{s['eligibleRows']:,} eligible rows; α = {r['alpha']}, {r['weights']} weights, "
            f"{r['disparity']} disparity against the {r['reference']} rate {self.reference_rate:.4f}",
            f"CVaR = {self.cvar:+.4f}  simultaneous {100 * r['confidenceLevel']:g}% interval "
            f"[{self.cvar_interval[0]:+.4f}, {self.cvar_interval[1]:+.4f}];  max gap {self.max_gap:+.4f};  "
            f"{s['tailGroups']} tail groups",
        ]
        top = self.by_group.head(5)
        for key, row in top.iterrows():
            lines.append(f"  {_show(key)}: n = {row['n']:,}, rate {row['rate']:.4f} "
                         f"[{row['ci_low']:.4f}, {row['ci_high']:.4f}], disparity {row['disparity']:+.4f}"
                         + ("  (tail)" if row["in_tail"] else ""))
        if len(self.by_group) > len(top):
            lines.append(f"  … {len(self.by_group) - len(top)} more groups in .by_group")
        return "\n".join(lines)


@dataclass(repr=False)
class TestResult:
    """A disparity test, in the fashion of scipy's test results.

    Attributes:
        statistic: the observed value of the test statistic (``statistic_name``).
        pvalue: the p-value (permutation: (1 + #{T_b ≥ T}) / (B + 1)).
        decision: ``"violation"`` when ``pvalue <= delta``, else ``"no-violation"``.
        by_group: per-group exact tests, worst disparity first: ``n``, ``rate``,
            ``disparity``, ``pvalue`` and its Holm and Benjamini–Hochberg adjustments
            (``holm``, ``bh``), ``ratio`` and the confusion counts ``tn``, ``fp``,
            ``fn``, ``tp`` (as in the audit's ``by_group``).
        audit: the audit the test rests on (at confidence level 1 − δ).
    """
    raw: Dict[str, Any]
    by_group: pd.DataFrame = field(init=False)
    audit: AuditResult = field(init=False)

    def __post_init__(self) -> None:
        self.audit = AuditResult(self.raw["audit"])
        names = self.raw["audit"]["groupBy"]
        g = self.raw["groups"]
        self.by_group = pd.DataFrame({
            "n": np.asarray(g["n"], dtype=np.int64),
            "rate": _floats(g["rate"]),
            "disparity": _floats(g["disparity"]),
            "pvalue": _floats(g["pValue"]),
            "holm": _floats(g["holm"]),
            "bh": _floats(g["benjaminiHochberg"]),
            **_ratio_and_counts(g),
        }, index=_index(g["key"], names))

    @property
    def statistic(self) -> float:
        """The observed statistic T."""
        return _float(self.raw.get("value"))

    @property
    def statistic_name(self) -> str:
        """``l2``, ``cvar`` or ``max``."""
        return self.raw["statistic"]

    @property
    def pvalue(self) -> float:
        return _float(self.raw.get("pValue"))

    @property
    def decision(self) -> str:
        return self.raw["decision"]

    @property
    def delta(self) -> float:
        return float(self.raw["delta"])

    @property
    def calibration(self) -> str:
        return self.raw["calibration"]

    @property
    def monte_carlo_error(self) -> Optional[float]:
        """Monte-Carlo standard error of a permutation p-value (None otherwise)."""
        return self.raw.get("monteCarloError")

    @property
    def tail_groups(self) -> pd.DataFrame:
        """The groups in the CVaR tail: disparity, tail weight, contribution to the CVaR."""
        t = self.raw["tailGroups"]
        return pd.DataFrame({
            "disparity": _floats(t["disparity"]), "tail_weight": np.asarray(t["tailWeight"], dtype=np.float64),
            "contribution": _floats(t["contribution"]),
        }, index=_index(t["key"], self.raw["audit"]["groupBy"]))

    def to_dict(self) -> Dict[str, Any]:
        """The document of ``cvar-audit test --format json`` (one metric)."""
        r = self.raw
        a = r["audit"]
        names = a["groupBy"]
        g, t = r["groups"], r["tailGroups"]
        return _prune({
            "schemaVersion": 1, "metric": r["metric"], "statistic": r["statistic"], "value": r.get("value"),
            "pValue": r.get("pValue"), "calibration": r["calibration"], "permutations": r.get("permutations"),
            "seed": r.get("seed"), "monteCarloError": r.get("monteCarloError"), "delta": r["delta"],
            "decision": r["decision"], "tolerance": r.get("tolerance"),
            "lowerConfidenceBound": r.get("lowerConfidenceBound"), "boundVariance": r.get("boundVariance"),
            "boundMean": r.get("boundMean"), "groupTest": r["groupTest"],
            "alpha": a["alpha"], "weights": a["weights"], "disparity": a["disparity"], "worse": a["worse"],
            "reference": a["reference"],
            "referenceRate": a["summary"].get("referenceRate"), "groupBy": names, "l2Estimate": r["l2Estimate"],
            "tailGroups": [{"key": _key_object(names, k), "disparity": t["disparity"][i],
                            "tailWeight": t["tailWeight"][i], "contribution": t["contribution"][i]}
                           for i, k in enumerate(t["key"])],
            "groups": [{"key": _key_object(names, k), "n": int(g["n"][i]), "rate": _json_number(g["rate"][i]),
                        "disparity": _json_number(g["disparity"][i]), "pValue": _json_number(g["pValue"][i]),
                        "holm": _json_number(g["holm"][i]), "benjaminiHochberg": _json_number(g["benjaminiHochberg"][i]),
                        "ratio": _json_number(g["ratio"][i]), **_counts(g, i)}
                       for i, k in enumerate(g["key"])],
            "groupsWithoutVariance": [_key_object(names, k) for k in r["groupsWithoutVariance"]],
            "groupsWithoutRate": [_key_object(names, k) for k in a["groupsWithoutRate"]],
            "verdict": r["verdict"], "smallCells": a["summary"]["smallCells"],
        })

    def to_json(self) -> str:
        """The JSON text of ``to_dict()``."""
        return _dumps(self.to_dict())

    def __repr__(self) -> str:
        r = self.raw
        mc = f" ± {r['monteCarloError']:.4f} (Monte-Carlo s.e.)" if r.get("monteCarloError") is not None else ""
        significant = int((self.by_group["holm"] <= self.delta).sum())
        return (f"TestResult(statistic={self.statistic:.6g} ({r['statistic']}), pvalue={self.pvalue:.4g}{mc}, "
                f"decision='{self.decision}' at δ = {self.delta}, calibration={r['calibration']}; "
                f"{significant} of {len(self.by_group)} groups significant after Holm)")


@dataclass(repr=False)
class Plan:
    """How many rows an audit needs (closed-form bounds, docs/method.md §9).

    Attributes:
        samples: total rows per design: ``max_gap``, ``cvar_iid``, ``cvar_stratified``, ``two_stage``.
        formulas: each bound written out with its constants.
        allocation: per group, population share, weight, stratified share and rows.
        base_rate, bound: the base rate b (σ² = b(1 − b)) and the calibration (``normal`` or
            ``cantelli``) the sizes assume.
    """
    raw: Dict[str, Any]
    weights_name: str = "uniform"

    @property
    def base_rate(self) -> float:
        """b in the metric's own scale (the planner works on 1 − b when lower is worse)."""
        return float(self.raw.get("metricBaseRate", self.raw["baseRate"]))

    @property
    def eligible(self) -> Optional[Dict[str, Any]]:
        """With ``metric``: what the sizes count (``rows``), the eligible ``share`` of all rows, the
        ``observed_rate``, ``groups_left_out`` and each design's size in ``total_rows``."""
        e = self.raw.get("eligible")
        if e is None:
            return None
        return {"metric": e["metric"], "rows": e["rows"], "worse": e["worse"], "share": e["share"],
                "observed_rate": e.get("observedRate"), "groups_left_out": e["groupsLeftOut"],
                "total_rows": {name: e["totalRows"][i] for i, (name, _) in enumerate(_DESIGNS)}}

    @property
    def bound(self) -> str:
        return self.raw["boundMethod"]

    @property
    def samples(self) -> Dict[str, int]:
        return {name: self.raw[key]["samples"] for name, key in _DESIGNS}

    @property
    def formulas(self) -> Dict[str, str]:
        return {name: self.raw[key]["formula"] for name, key in _DESIGNS}

    @property
    def effective_groups(self) -> float:
        """exp(H_2/3(w))."""
        return _float(self.raw["effectiveGroups"])

    @property
    def two_stage_design(self) -> Dict[str, float]:
        r = self.raw
        return {"groups": r["twoStageGroups"], "rows_per_group": r["twoStageRowsPerGroup"],
                "split_constant": r["twoStageSplitConstant"]}

    @property
    def detectable_epsilon(self) -> Optional[Dict[str, float]]:
        """With ``samples=n``: the smallest ε each design detects with n rows."""
        d = self.raw.get("detectable")
        if d is None:
            return None
        return {name: _float(d.get(key)) for name, key in _DESIGNS}

    @property
    def allocation(self) -> pd.DataFrame:
        r = self.raw
        names = [f"feature_{i}" for i in range(len(r["groups"][0]))] if r["groups"] else ["group"]
        return pd.DataFrame({
            "share": r["shares"], "weight": r["weights"], "stratified_share": r["cvarStratified"]["allocation"],
            "rows": r["stratifiedRows"],
        }, index=_index(r["groups"], names if len(names) > 1 else ["group"]))

    @property
    def warnings(self) -> List[str]:
        """Allocations that ask a group for more rows than the data has (only when the groups
        come from data): the same sentences as ``cvar-audit plan``'s "Warning:" lines."""
        return list(self.raw.get("warnings", []))

    def to_dict(self) -> Dict[str, Any]:
        """The document of ``cvar-audit plan --format json`` without ``source`` (where the groups
        came from) and ``simulated`` (``--simulate``); a group's label joins its values with " | "."""
        r = self.raw
        detectable = self.detectable_epsilon
        labels = [" | ".join(key) for key in r["groups"]]
        doc = _prune({
            "schemaVersion": 1, "groups": len(r["shares"]), "weights": self.weights_name, "alpha": r["alpha"],
            "epsilon": r["epsilon"], "delta": r["delta"], "power": r["power"], "baseRate": self.base_rate,
            "boundMethod": r["boundMethod"], "renyi23": r.get("renyi23"), "norm23": r.get("norm23"),
            "effectiveGroups": r.get("effectiveGroups"),
            "samples": {key: r[key]["samples"] for _, key in _DESIGNS},
            "bounds": {key: r[key]["formula"] for _, key in _DESIGNS},
            "twoStage": {"groups": r.get("twoStageGroups"), "rowsPerGroup": r.get("twoStageRowsPerGroup"),
                         "splitConstant": r["twoStageSplitConstant"]},
            "allocation": [{"group": label, "share": r["shares"][g], "weight": r["weights"][g],
                            "stratifiedShare": r["cvarStratified"]["allocation"][g], "rows": r["stratifiedRows"][g]}
                           for g, label in enumerate(labels)],
            "detectable": None if detectable is None else {
                "samples": r["detectable"]["samples"],
                "epsilon": {key: r["detectable"].get(key) for _, key in _DESIGNS}},
            "warnings": self.warnings,
            "eligible": None if r.get("eligible") is None else {
                "metric": r["eligible"]["metric"], "rows": r["eligible"]["rows"], "worse": r["eligible"]["worse"],
                "share": r["eligible"]["share"], "observedRate": r["eligible"].get("observedRate"),
                "groupsLeftOut": r["eligible"]["groupsLeftOut"],
                "totalRows": {key: r["eligible"]["totalRows"][i] for i, (_, key) in enumerate(_DESIGNS)}},
        })
        if detectable is not None:
            # The CLI writes an ε no group can show as null (it keeps the key).
            doc["detectable"]["epsilon"] = {key: r["detectable"].get(key) for _, key in _DESIGNS}
        return doc

    def to_json(self) -> str:
        """The JSON text of ``to_dict()``."""
        return _dumps(self.to_dict())

    def __repr__(self) -> str:
        s = self.samples
        return ("Plan(" + ", ".join(f"{k}={v:,}" for k, v in s.items())
                + f"; K = {len(self.raw['shares'])}, α = {self.raw['alpha']}, ε = {self.raw['epsilon']}, "
                f"δ = {self.raw['delta']}, power = {self.raw['power']}, base rate = {self.raw['baseRate']}, "
                f"{self.raw['boundMethod']} bound)")


_DESIGNS = [("max_gap", "maxGap"), ("cvar_iid", "cvarIID"), ("cvar_stratified", "cvarStratified"),
            ("two_stage", "twoStage")]
