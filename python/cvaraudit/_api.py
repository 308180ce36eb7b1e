"""``audit``, ``test`` and ``plan`` on a DataFrame or on arrays."""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from . import _columns, _native
from ._results import AuditResult, Plan, TestResult

Reference = Union[str, float, Sequence[Any]]
Weights = Union[str, Mapping[Any, float]]

def _metric(metric: str, loss: Any) -> Tuple[str, Any]:
    """The core's metric name and the loss column (if any). A binary metric's name (``fnr``,
    ``recall``, ``false_negative_rate``, ...) is checked by the core, which knows the aliases."""
    if not isinstance(metric, str):
        raise ValueError(f"metric must be a string such as 'error', 'fnr', 'tpr' or 'loss' (got {metric!r})")
    if metric == "loss" or metric.startswith("loss:"):
        column = loss if loss is not None else (metric[5:] or None)
        if column is None:
            raise ValueError("metric='loss' needs loss= (a column name or an array of losses in [0, 1])")
        name = column if isinstance(column, str) else (getattr(column, "name", None) or "loss")
        return f"loss:{name}", column
    if loss is not None:
        raise ValueError(f"loss= goes with metric='loss', not '{metric}'")
    return metric, None


def _reference(reference: Reference, request: Dict[str, Any]) -> None:
    if isinstance(reference, str):
        if reference == "pooled":
            return
        if reference.startswith("group:"):
            request["referenceGroup"] = reference[6:].split(",")
            return
        try:
            request["referenceValue"] = float(reference)
            return
        except ValueError:
            raise ValueError(f"reference must be 'pooled', a rate, or a group (a tuple of values), got {reference!r}") from None
    if isinstance(reference, numbers.Real) and not isinstance(reference, bool):
        if not math.isfinite(float(reference)):
            raise ValueError(f"reference must be a rate in [0, 1] (got {reference})")
        request["referenceValue"] = float(reference)
        return
    values = list(reference) if isinstance(reference, (tuple, list)) else [reference]
    request["referenceGroup"] = [_columns.level_text(v) for v in values]


def _weights(weights: Weights, request: Dict[str, Any]) -> None:
    if isinstance(weights, str):
        request["weights"] = weights
        return
    if not isinstance(weights, Mapping):
        raise ValueError(f"weights must be 'uniform', 'population' or a mapping from group to weight (got {type(weights).__name__})")
    request["weights"] = "custom"
    items = []
    for key, w in weights.items():
        values = list(key) if isinstance(key, tuple) else [key]
        items.append({"key": [_columns.level_text(v) for v in values], "weight": float(w)})
    request["customWeights"] = items


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number (got {value!r})")
    return float(value)


def _finite(name: str, value: Any) -> float:
    x = _number(name, value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number (got {value!r})")
    return x


def _prepare(data: Optional[pd.DataFrame], sensitive_features: Any, y_true: Any, y_pred: Any, metric: str,
             loss: Any, command: str, **options: Any) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    if data is not None and not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a pandas DataFrame or None (got {type(data).__name__})")
    name, loss_column = _metric(metric, loss)
    attributes, rows = _columns.sensitive_attributes(data, sensitive_features)
    request: Dict[str, Any] = {
        "command": command, "metric": name,
        "attributes": [{"name": a.name, "levels": a.levels} for a in attributes],
    }
    for key, value in options.items():
        if value is not None:
            request[key] = value
    columns: Dict[str, Any] = {"codes": [a.codes for a in attributes], "rows": rows}
    if loss_column is not None:
        columns["losses"] = _columns.loss(data, loss_column, rows)
    else:
        # Every binary metric needs the predictions; all but the selection rate also the labels,
        # which the core checks (it knows the metric's aliases).
        if y_pred is None:
            raise ValueError(f"the metric '{name}' needs y_pred (a column name or an array of 0/1 predictions)")
        columns["predictions"] = _columns.binary(data, y_pred, "y_pred", "a prediction", rows)
        request["predictionName"] = _columns.column_name("y_pred", y_pred)
        if y_true is not None:
            columns["labels"] = _columns.binary(data, y_true, "y_true", "a label", rows)
            request["labelName"] = _columns.column_name("y_true", y_true)
    return request, columns


def audit(data: Optional[pd.DataFrame] = None, *, sensitive_features: Any, y_true: Any = None, y_pred: Any = None,
          metric: str = "error", loss: Any = None, alpha: float = 0.1, weights: Weights = "uniform",
          disparity: str = "one-sided", worse: Optional[str] = None, reference: Reference = "pooled",
          confidence_level: float = 0.95,
          interval: Optional[str] = None, missing: str = "keep", sample_weight: Any = None) -> AuditResult:
    """Audit one metric across the intersectional groups of the sensitive features.

    Same computation and numbers as ``cvar-audit audit`` on the same rows.

    Args:
        data: a DataFrame holding the columns named below, or None when they are given as arrays.
        sensitive_features: column name(s), Series, arrays, or a DataFrame; their combinations form
            the groups (as ``--group-by``). Values are keyed by their CSV text; NaN/None is the empty value.
        y_true: 0/1 labels (bool, integer or float without NaN), a column name or an array.
        y_pred: 0/1 predictions, likewise.
        metric: ``error``, ``accuracy``, ``fnr``, ``fpr``, ``tpr``, ``tnr``, ``ppv``, ``npv``, ``fdr``,
            ``for``, ``selection`` (fairlearn/scikit-learn names such as ``false_negative_rate``,
            ``recall``, ``precision`` too), or ``loss`` (with ``loss=``).
        loss: per-row losses in [0, 1] for ``metric="loss"`` (a column name or an array).
        alpha: CVaR level α in (0, 1]: the share of group weight in the tail.
        weights: ``uniform``, ``population``, or a mapping from group (tuple of values) to weight.
        disparity: ``one-sided`` (on the worse side) or ``two-sided`` (|μ_g − μ_ref|).
        worse: ``higher`` (Δ_g = μ_g − μ_ref) or ``lower`` (Δ_g = μ_ref − μ_g), for a one-sided
            disparity; default: lower for tpr, tnr, ppv, npv and accuracy, higher for the others
            (give ``lower`` for a selection rate that is a benefit).
        reference: ``pooled``, a rate in [0, 1], or a group (tuple of values, one per feature).
        confidence_level: level of the per-group intervals and of the simultaneous CVaR interval.
        interval: ``wilson``, ``clopper-pearson``, ``hoeffding`` or ``bernstein`` (default: Wilson
            for binary metrics, Hoeffding for a loss).
        missing: ``keep`` (an empty value is a value of its own) or ``exclude`` (drop and count those rows).
        sample_weight: row weights w ≥ 0 (survey weights; a column name or an array), binary metrics
            only, as ``audit --sample-weight``: rates Σwℓ/Σw, weighted pooled reference and
            population shares; ``n`` still counts rows; intervals from Kish's effective n
            (Σw)²/Σw², approximate (no coverage guarantee under unequal weights). :func:`test`
            takes no weights: its calibrations assume unweighted, exchangeable rows.

    Returns:
        An :class:`AuditResult` (``.by_group``, ``.cvar``, ``.cvar_interval``, ``.max_gap``, ``.summary``,
        ``.to_json()``).

    Raises:
        ValueError: for a missing column, a label that is not 0/1 (NaN included), an empty frame, or an
            option out of range, with the message the CLI prints.
    """
    options: Dict[str, Any] = {"alpha": _number("alpha", alpha), "disparity": disparity, "worse": worse,
                               "confidenceLevel": _number("confidence_level", confidence_level),
                               "interval": interval, "missing": missing}
    request, columns = _prepare(data, sensitive_features, y_true, y_pred, metric, loss, "audit", **options)
    if sample_weight is not None:
        columns["weights"] = _columns.sample_weight(data, sample_weight, columns["rows"])
        request["sampleWeightName"] = _columns.column_name("sample_weight", sample_weight)
        request["sampleWeightColumn"] = sample_weight if isinstance(sample_weight, str) else \
            (getattr(sample_weight, "name", None) or "sample_weight")
    _weights(weights, request)
    _reference(reference, request)
    return AuditResult(_native.call(request, **columns))


def test(data: Optional[pd.DataFrame] = None, *, sensitive_features: Any, y_true: Any = None, y_pred: Any = None,
         metric: str = "error", loss: Any = None, alpha: float = 0.1, weights: Weights = "uniform",
         disparity: str = "one-sided", worse: Optional[str] = None, reference: Reference = "pooled",
         statistic: Optional[str] = None,
         calibration: str = "permutation", permutations: int = 9_999, seed: int = 0, delta: float = 0.05,
         tolerance: Optional[float] = None, missing: str = "keep") -> TestResult:
    """Test whether the data show a disparity violation (``cvar-audit test``).

    H0 (permutation, bound): the loss is independent of the group; H0 (tolerance): CVaR_α ≤ ε0.
    The decision is ``violation`` when p ≤ δ. Same seed, same p-value (and the CLI's p-value).

    Args:
        data, sensitive_features, y_true, y_pred, metric, loss, alpha, weights, disparity, worse, reference,
            missing: as for :func:`audit`.
        statistic: ``l2`` (debiased Σ w Δ², the default), ``cvar`` (the default with tolerance) or ``max``.
        calibration: ``permutation`` (exact), ``bound`` (Cantelli on l2) or ``tolerance``.
        permutations: B, the number of random permutations.
        seed: seed of the permutations.
        delta: level δ in (0, 1).
        tolerance: ε0 for ``calibration="tolerance"``.

    Returns:
        A :class:`TestResult` (``statistic``, ``pvalue``, ``decision``, ``by_group`` with per-group
        p-values and their Holm and Benjamini–Hochberg adjustments, ``audit``).

    Raises:
        ValueError: as :func:`audit`, and for fewer than two groups with a rate.
    """
    if isinstance(permutations, bool) or not isinstance(permutations, numbers.Integral):
        raise ValueError(f"permutations must be an integer (got {permutations!r})")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= int(seed) < 2**64:
        raise ValueError(f"seed must be an integer in [0, 2^64) (got {seed!r})")
    options: Dict[str, Any] = {
        "alpha": _number("alpha", alpha), "disparity": disparity, "worse": worse, "missing": missing,
        "statistic": statistic,
        "calibration": calibration, "permutations": int(permutations), "seed": int(seed),
        "delta": _number("delta", delta),
        "tolerance": None if tolerance is None else _number("tolerance", tolerance),
    }
    request, columns = _prepare(data, sensitive_features, y_true, y_pred, metric, loss, "test", **options)
    _weights(weights, request)
    _reference(reference, request)
    return TestResult(_native.call(request, **columns))


def plan(data: Optional[pd.DataFrame] = None, *, sensitive_features: Any = None,
         shares: Optional[Sequence[float]] = None, num_groups: Optional[int] = None,
         weights: Union[str, Sequence[float]] = "uniform", alpha: float = 0.1, epsilon: float = 0.1,
         delta: float = 0.05, power: float = 0.9, samples: Optional[int] = None, base_rate: Optional[float] = None,
         bound: str = "normal", missing: str = "keep", metric: Optional[str] = None, y_true: Any = None,
         y_pred: Any = None) -> Plan:
    """How many rows an audit needs (``cvar-audit plan``): max-gap and CVaR tests under i.i.d.,
    stratified and two-stage designs, from closed-form bounds.

    The groups come from exactly one of: the group sizes of ``data``/``sensitive_features``,
    ``shares`` (population shares, one per group), or ``num_groups`` (K equal shares).

    Args:
        weights: ``uniform``, ``population`` (the shares), or one weight per group.
        alpha: CVaR level α in (0, 1].
        epsilon: the violation to detect (CVaR_α ≥ ε; max gap ≥ ε), positive; one above
            1 − base_rate, which no group can show, raises ValueError ("not detectable").
        delta: type I error δ in (0, 1).
        power: power 1 − β in (0, 1).
        samples: also report the smallest ε each design detects with this many rows.
        base_rate: the rate b of the groups without disparity, in [0, 1): it sets the per-row
            variance σ² = b(1 − b) of the sizes. The default is the observed rate with ``metric``,
            else 0.5, the worst case (σ² = 1/4).
        metric: plan on the rows eligible for this metric (``plan --metric``: the positives for
            ``fnr``, the negatives for ``fpr``, ...), with ``data``, ``sensitive_features`` and
            ``y_true``/``y_pred`` as in :func:`audit`: the shares and the base rate come from those
            rows, and ``to_dict()["eligible"]`` gives each size in total rows.
        bound: how the sizes are calibrated: ``normal`` (normal quantiles, an estimate for the
            permutation test) or ``cantelli`` (Cantelli multipliers, a distribution-free bound, for
            ``test(..., calibration="bound")``).

    Returns:
        A :class:`Plan` (``samples``, ``formulas``, ``allocation``, ``detectable_epsilon``,
        ``warnings``, ``to_dict()``). With groups from ``data``, an allocation that asks a group
        for more rows than it has is also raised as a ``UserWarning`` (``Plan.warnings``).

    Raises:
        ValueError: for an option out of range, an ε no group can reach ("not detectable"), or a
            plan above 2^53 rows ("not reachable").
    """
    given = [sensitive_features is not None, shares is not None, num_groups is not None]
    if sum(given) != 1:
        raise ValueError("give the groups one way: sensitive_features (with data), shares, or num_groups")
    request: Dict[str, Any] = {"command": "plan", "alpha": _number("alpha", alpha),
                               "epsilon": _number("epsilon", epsilon), "delta": _number("delta", delta),
                               "power": _number("power", power), "missing": missing, "bound": bound}
    if base_rate is not None:
        request["baseRate"] = _finite("base_rate", base_rate)
    if metric is not None and sensitive_features is None:
        raise ValueError("metric: planning on a metric's eligible rows needs data with sensitive_features "
                         "(and y_true/y_pred); with shares or num_groups use the CLI's plan --eligible-share")
    if not isinstance(bound, str):
        raise ValueError(f"bound must be 'normal' or 'cantelli' (got {bound!r})")
    if samples is not None:
        if isinstance(samples, bool) or not isinstance(samples, numbers.Integral):
            raise ValueError(f"samples must be an integer (got {samples!r})")
        request["samples"] = int(samples)
    if isinstance(weights, str):
        request["weights"] = weights
        weights_name = weights
    else:
        request["weights"] = "custom"
        request["planWeights"] = [float(w) for w in weights]
        weights_name = "custom"
    codes: List[np.ndarray] = []
    rows = 0
    columns: Dict[str, Any] = {}
    if metric is not None:
        prepared, columns = _prepare(data, sensitive_features, y_true, y_pred, metric, None, "plan")
        request.update({key: prepared[key] for key in ["metric", "attributes", "labelName", "predictionName"]
                        if key in prepared})
        request["planOnMetric"] = True
    elif num_groups is not None:
        if isinstance(num_groups, bool) or not isinstance(num_groups, numbers.Integral) or num_groups < 2:
            raise ValueError(f"num_groups must be an integer of at least 2 (got {num_groups!r})")
        request["shares"] = [1 / int(num_groups)] * int(num_groups)
    elif shares is not None:
        request["shares"] = [float(s) for s in shares]
    else:
        attributes, rows = _columns.sensitive_attributes(data, sensitive_features)
        request["attributes"] = [{"name": a.name, "levels": a.levels} for a in attributes]
        codes = [a.codes for a in attributes]
    raw = _native.call(request, **columns) if columns else _native.call(request, codes, rows)
    result = Plan(raw, weights_name)
    for message in result.warnings:
        warnings.warn(message, UserWarning, stacklevel=2)
    return result
