"""A sequential audit of rows as they arrive (``cvar-audit monitor``)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from . import _columns, _native
from ._api import _metric


def _keys_and_rows(data, sensitive_features) -> Tuple[List[str], List[Tuple[str, ...]], np.ndarray]:
    """Attribute names, the distinct keys (text, first-seen order) and each row's key index."""
    attributes, rows = _columns.sensitive_attributes(data, sensitive_features)
    combined = np.zeros(rows, dtype=np.int64)
    for a in attributes:
        radix = len(a.levels) + 1
        codes = a.codes.astype(np.int64)
        combined = combined * radix + np.where(codes < 0, radix - 1, codes)
    uniques, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    keys: List[Tuple[str, ...]] = []
    index_of: Dict[Tuple[str, ...], int] = {}
    lut = np.empty(len(uniques), dtype=np.int64)
    for u in order:
        code = int(uniques[u])
        digits = []
        for a in reversed(attributes):
            radix = len(a.levels) + 1
            code, d = divmod(code, radix)
            digits.append("" if d == radix - 1 else a.levels[d])
        key = tuple(reversed(digits))
        if key not in index_of:  # an empty level and a missing value share the key "", as in a CSV file
            index_of[key] = len(keys)
            keys.append(key)
        lut[u] = index_of[key]
    return [a.name for a in attributes], keys, lut[inverse.reshape(-1)]


_DESCRIPTIONS: Dict[str, Dict[str, Any]] = {}


def _describe(metric: str) -> Dict[str, Any]:
    """The core's description of a metric: its name, worse side, and each confusion cell's loss
    (index 2y + ŷ; None: not eligible). Raises ValueError for an unknown metric."""
    if metric not in _DESCRIPTIONS:
        _DESCRIPTIONS[metric] = _native.call({"command": "metric", "metric": metric}, [], 0)
    return _DESCRIPTIONS[metric]


def _losses(data, metric: str, loss_column, y_true, y_pred, rows: int) -> Tuple[np.ndarray, np.ndarray]:
    """Each row's loss under the metric, and the mask of eligible rows (the positives for fnr, ...),
    from the core's table of the four confusion cells."""
    description = _describe(metric)
    if not description["isBinary"]:
        return _columns.loss(data, loss_column, rows), np.ones(rows, dtype=bool)
    p = _columns.binary(data, y_pred, "y_pred", "a prediction", rows) if y_pred is not None else None
    y = _columns.binary(data, y_true, "y_true", "a label", rows) if y_true is not None else None
    if p is None or (y is None and description["needsLabel"]):
        raise ValueError(f"the metric '{metric}' needs " + ("y_pred" if p is None else "y_true"))
    cell = p.astype(np.intp) if y is None else 2 * y.astype(np.intp) + p
    table = np.array([np.nan if v is None else v for v in description["cellLosses"]], dtype=np.float64)
    losses = table[cell]
    eligible = ~np.isnan(losses)
    return losses, eligible


class Monitor:
    """An anytime-valid sequential audit (``cvar-audit monitor``): after each
    row, violation (the CVaR lower confidence bound exceeds ``tolerance``, or
    the optional sequential L2 test rejected), ``withinTolerance`` (the upper
    bound is below it), ``budgetExhausted``, or ``continue``. P(false
    violation) ≤ δ although the decision is looked at after every row; the
    monitor stops observing at its first decision.

    The groups are declared up front: ``Monitor(groups=[...])`` or
    :meth:`Monitor.from_frame` (the groups with eligible rows in a frame).

    >>> m = cvaraudit.Monitor.from_frame(history, sensitive_features=["race", "sex"], y_true="y", y_pred="p")
    >>> m.update(batch)            # a DataFrame with the same columns
    'continue'
    >>> m.observe(("Asian", "Female"), 1.0)
    """

    def __init__(self, groups: Sequence[Any], *, sensitive_features: Optional[Sequence[str]] = None,
                 y_true: Any = None, y_pred: Any = None, metric: str = "error", loss: Any = None,
                 alpha: float = 0.1, tolerance: float = 0.05, delta: float = 0.05,
                 weights: Union[str, Sequence[float]] = "uniform", shares: Optional[Sequence[float]] = None,
                 disparity: str = "one-sided", worse: Optional[str] = None,
                 reference: Union[str, float, None] = None, l2_test: bool = False,
                 l2_first_look: int = 256, budget: Optional[int] = None, method: str = "betting",
                 betting_strategy: str = "agrapa") -> None:
        """Declares the groups and the test.

        Args:
            groups: the declared groups: tuples of attribute values (or single values).
            sensitive_features, y_true, y_pred, loss: the column names :meth:`update` reads by default.
            metric: any metric of :func:`cvaraudit.audit` (``error``, ``fnr``, ``tpr``, ``recall``,
                ``precision``, ..., or ``loss``).
            alpha: CVaR level α in (0, 1]. tolerance: ε0. delta: error probability δ in (0, 1).
            weights: ``uniform``, ``population`` (the ``shares``) or one weight per group.
            shares: population shares of the groups (for population weights or reference).
            disparity: ``one-sided`` or ``two-sided``.
            worse: ``higher`` or ``lower`` for a one-sided disparity; default: the metric's own
                (lower for tpr, tnr, ppv, npv and accuracy).
            reference: ``population`` (Σ p_g μ_g over the ``shares``), ``pooled`` (mean of the
                observations; valid only for rows in exchangeable order) or a rate. The default is
                ``population`` when ``shares`` are given (as in :meth:`from_frame`, like the CLI's
                default with ``--groups-from``), else ``pooled``.
            l2_test: add the sequential L2 test (δ split in half), first look at ``l2_first_look``.
            budget: stop with ``budgetExhausted`` after this many observations.
            method: ``betting`` (a violation is declared when the betting e-process on the CVaR
                dual contrast, pooled over the groups, reaches 1/δ; the default, as
                ``cvar-audit monitor``) or ``confidence-sequence`` (when the CVaR's lower
                confidence bound exceeds the tolerance). ``withinTolerance`` always comes from the
                confidence sequences.
            betting_strategy: ``agrapa`` or ``mixture``: how the e-process chooses its bets.
        """
        self._handle = None
        name, self._loss_column = _metric(metric, loss)
        self.metric = _describe(name)["metric"] if not name.startswith("loss:") else name
        self.keys: List[Tuple[str, ...]] = [tuple(_columns.level_text(v) for v in (g if isinstance(g, tuple) else (g,)))
                                            for g in groups]
        self._index = {k: i for i, k in enumerate(self.keys)}
        if len(self._index) != len(self.keys):
            raise ValueError("groups: a group is declared twice")
        self.sensitive_features = list(sensitive_features) if sensitive_features is not None else None
        self._y_true, self._y_pred = y_true, y_pred
        k = len(self.keys)
        if isinstance(weights, str):
            if weights == "uniform":
                w = [1.0] * k
            elif weights == "population":
                if shares is None:
                    raise ValueError("weights='population' needs shares (or use Monitor.from_frame)")
                w = [float(s) for s in shares]
            else:
                raise ValueError(f"weights must be 'uniform', 'population' or one weight per group (got '{weights}')")
        else:
            w = [float(x) for x in weights]
        request: Dict[str, Any] = {
            "groupKeys": [list(key) for key in self.keys], "weights": w, "alpha": float(alpha),
            "tolerance": float(tolerance), "delta": float(delta), "disparity": disparity,
        }
        if worse is not None:
            request["worse"] = worse
        elif disparity == "one-sided":
            request["worse"] = _describe(self.metric)["worse"]
        if shares is not None:
            # The betting method draws each row's group from these shares (as cvar-audit monitor).
            request["shares"] = [float(x) for x in shares]
        if reference is None:
            reference = "population" if shares is not None else "pooled"
        if isinstance(reference, str):
            request["reference"] = reference
            if reference == "population":
                if shares is None:
                    raise ValueError("reference='population' needs shares (or use Monitor.from_frame)")
                request["shares"] = [float(s) for s in shares]
        else:
            request["reference"] = "value"
            request["referenceValue"] = float(reference)
        if l2_test:
            request["l2FirstLook"] = int(l2_first_look)
        if budget is not None:
            request["budget"] = int(budget)
        request["method"] = method
        request["bettingStrategy"] = betting_strategy
        self._request = request
        self._handle, self.state = _native.monitor_new(request)

    @classmethod
    def from_frame(cls, data: pd.DataFrame, *, sensitive_features: Sequence[str], y_true: Any = None,
                   y_pred: Any = None, metric: str = "error", loss: Any = None, **options: Any) -> "Monitor":
        """A monitor whose groups are those with rows eligible for the metric in ``data``, in
        first-seen order, with their shares of the eligible rows (as ``monitor --groups-from``)."""
        name, loss_column = _metric(metric, loss)
        features, keys, index = _keys_and_rows(data, sensitive_features)
        _, eligible = _losses(data, name, loss_column, y_true, y_pred, len(index))
        ids = index[eligible]
        if len(ids) == 0:
            raise ValueError(f"no row is eligible for the metric '{name}', so no group can be declared")
        _, first = np.unique(ids, return_index=True)
        order = np.unique(ids)[np.argsort(first, kind="stable")]
        counts = np.bincount(ids, minlength=len(keys))
        declared = [keys[g] for g in order]
        shares = (counts[order] / counts.sum()).tolist()
        monitor = cls(declared, sensitive_features=features, y_true=y_true, y_pred=y_pred, metric=metric,
                      loss=loss, shares=shares, **options)
        return monitor

    def __del__(self) -> None:
        handle, self._handle = getattr(self, "_handle", None), None
        if handle:
            _native.monitor_free(handle)

    def _observe_rows(self, groups: np.ndarray, losses: np.ndarray) -> str:
        self.state = _native.monitor_observe(self._handle, np.ascontiguousarray(groups, dtype=np.int32),
                                             np.ascontiguousarray(losses, dtype=np.float64))
        return self.decision

    def observe(self, group: Any, loss: float) -> str:
        """Observes one row's loss (in [0, 1]) in a declared group; returns the decision."""
        key = tuple(_columns.level_text(v) for v in (group if isinstance(group, tuple) else (group,)))
        if key not in self._index:
            raise ValueError(f"group {key} was not declared")
        return self._observe_rows(np.array([self._index[key]], dtype=np.int32), np.array([float(loss)]))

    def update(self, data: Optional[pd.DataFrame] = None, *, sensitive_features: Any = None, y_true: Any = None,
               y_pred: Any = None, loss: Any = None) -> str:
        """Observes a batch of rows in order (a DataFrame with the columns given at construction,
        or arrays); rows not eligible for the metric are skipped. Stops at the first decision."""
        features = sensitive_features if sensitive_features is not None else self.sensitive_features
        if features is None:
            raise ValueError("update: give sensitive_features (or name them when the monitor is made)")
        names, keys, index = _keys_and_rows(data, features)
        lut = np.array([self._index.get(k, -1) for k in keys], dtype=np.int64)
        ids = lut[index]
        losses, eligible = _losses(data, self.metric, loss if loss is not None else self._loss_column,
                                   y_true if y_true is not None else self._y_true,
                                   y_pred if y_pred is not None else self._y_pred, len(index))
        missing = eligible & (ids < 0)
        if missing.any():
            row = int(np.flatnonzero(missing)[0])
            raise ValueError(f"update: row {row}: group {keys[index[row]]} was not declared")
        return self._observe_rows(ids[eligible], losses[eligible])

    @property
    def decision(self) -> str:
        """``continue``, ``violation``, ``withinTolerance`` or ``budgetExhausted``."""
        return self.state["decision"]

    @property
    def reason(self) -> Optional[str]:
        """Which bound decided: cvarLowerBound, cvarUpperBound, l2Test or budget."""
        return self.state.get("reason")

    @property
    def observations(self) -> int:
        return self.state["observations"]

    @property
    def cvar(self) -> float:
        v = self.state.get("cvar")
        return float("nan") if v is None else v

    @property
    def cvar_interval(self) -> Tuple[float, float]:
        """The anytime-valid confidence interval for the CVaR."""
        return tuple(float("nan") if x is None else x for x in self.state["cvarInterval"])

    @property
    def e_value(self) -> float:
        """The betting violation e-process's current value W_t (NaN with the confidence-sequence
        method); a violation is declared once W_t ≥ 1/δ. At tolerance 0 with population weights
        (the null is then no disparity) W_t is the average of the CVaR contrast's and the L2
        contrast's e-processes (docs/method.md §10.1)."""
        v = self.state.get("eValue")
        return float("nan") if v is None else v

    @property
    def tail_groups(self) -> List[Tuple[str, ...]]:
        return [self.keys[g] for g in self.state["tailGroups"]]

    def to_dict(self) -> Dict[str, Any]:
        """The document of ``cvar-audit monitor --format json``."""
        s, r = self.state, self._request
        names = self.sensitive_features or [f"feature_{i}" for i in range(len(self.keys[0]))]
        doc = {
            "decision": s["decision"], "reason": s.get("reason"),
            "observations": s.get("decisionObservation") or s["observations"], "cvar": s.get("cvar"),
            "cvarInterval": s["cvarInterval"], "referenceInterval": s["referenceInterval"], "sampler": "iid",
            "delta": r["delta"], "tolerance": r["tolerance"], "alpha": r["alpha"], "metric": self.metric,
            "groups": len(self.keys),
            "tailGroups": [dict(zip(names, self.keys[g])) for g in s["tailGroups"][:20]],
            "l2Looks": s.get("l2Looks"),
        }
        doc = {k: v for k, v in doc.items() if v is not None}
        # Always present (null when it did not happen), as in the CLI's document.
        doc["referenceEmptiedAt"] = s.get("referenceEmptiedAt")
        doc["emptiedGroups"] = s["emptiedGroups"]
        doc["method"] = s["method"]
        doc["eValue"] = s.get("eValue")
        doc["maximumEValue"] = s.get("maximumEValue")
        return doc

    def __repr__(self) -> str:
        low, high = self.cvar_interval
        return (f"Monitor({len(self.keys)} groups, {self.observations:,} observations: CVaR {self.cvar:+.4f} "
                f"in [{low:+.4f}, {high:+.4f}], {self.decision})")
