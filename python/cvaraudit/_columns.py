"""From DataFrames, Series and arrays to the buffers the core reads.

Sensitive features become integer codes plus level labels (categorical codes
are passed as they are, without a copy; small non-negative integers are their
own codes; anything else goes through ``pandas.factorize``). The labels are
the text a CSV export of the column would hold (``DataFrame.to_csv``), so
that groups are keyed exactly as ``cvar-audit`` keys them when it reads that
file; a missing value (NaN, None) is the empty value, as an empty CSV field.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

ColumnLike = Union[str, np.ndarray, pd.Series, Sequence[Any]]


@dataclass
class Attribute:
    """One sensitive feature: its name, per-row codes (−1 = missing) and level labels."""
    name: str
    codes: np.ndarray
    levels: List[str]


def level_text(value: Any) -> str:
    """The CSV text of one value, as ``DataFrame.to_csv`` writes it."""
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if isinstance(value, (float, np.floating)):
        return str(float(value))
    if isinstance(value, (np.integer,)):
        return str(int(value))
    return str(value)


def _series(data: Optional[pd.DataFrame], column: ColumnLike, what: str, rows: Optional[int]) -> pd.Series:
    if isinstance(column, str):
        if data is None:
            raise ValueError(f"{what}: '{column}' names a column, but no data frame was given")
        if column not in data.columns:
            available = ", ".join(f"'{c}'" for c in data.columns)
            raise ValueError(f"{what}: no column named '{column}'; the columns are: {available}")
        s = data[column]
        if isinstance(s, pd.DataFrame):
            raise ValueError(f"{what}: the data frame has several columns named '{column}'")
        return s
    if isinstance(column, pd.Series):
        s = column
    elif isinstance(column, pd.DataFrame):
        raise ValueError(f"{what}: expected one column, got a DataFrame with {column.shape[1]} columns")
    else:
        a = np.asarray(column)
        if a.ndim != 1:
            raise ValueError(f"{what}: expected a one-dimensional column, got an array of shape {a.shape}")
        s = pd.Series(a, copy=False)
    if rows is not None and len(s) != rows:
        raise ValueError(f"{what}: has {len(s)} rows, expected {rows} (columns must have the same length)")
    return s


# Non-negative integer columns whose largest value is below this are their own codes.
_DIRECT_CODES_LIMIT = 1 << 16


def attribute(s: pd.Series, name: str) -> Attribute:
    """Codes and level labels of one sensitive feature."""
    dtype = s.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        codes = np.ascontiguousarray(s.array.codes)  # int8/16/32: no copy
        return Attribute(name, codes, [level_text(v) for v in dtype.categories.tolist()])
    values = s.to_numpy(copy=False) if isinstance(dtype, np.dtype) and dtype.kind in "biu" else None
    if values is not None and dtype.kind == "b":
        return Attribute(name, np.ascontiguousarray(values).view(np.int8), ["False", "True"])
    if values is not None and len(values):
        lo, hi = int(values.min()), int(values.max())
        if lo >= 0 and hi < _DIRECT_CODES_LIMIT and values.dtype.kind == "i":
            return Attribute(name, np.ascontiguousarray(values), [str(v) for v in range(hi + 1)])
    codes, uniques = pd.factorize(s, use_na_sentinel=True, sort=False)
    uniques = uniques.tolist() if hasattr(uniques, "tolist") else list(uniques)
    return Attribute(name, np.ascontiguousarray(codes), [level_text(v) for v in uniques])


def sensitive_attributes(data: Optional[pd.DataFrame], features: Any) -> Tuple[List[Attribute], int]:
    """The sensitive features as attributes, and the number of rows."""
    if features is None:
        raise ValueError("sensitive_features: give one or more columns")
    if isinstance(features, pd.DataFrame):
        columns = [(str(c), features[c]) for c in features.columns]
    elif isinstance(features, (str, pd.Series, np.ndarray)):
        columns = [(None, features)]
    else:
        columns = [(None, f) for f in features]
    if not columns:
        raise ValueError("sensitive_features: give one or more columns")
    rows = len(data) if data is not None else None
    series: List[Tuple[str, pd.Series]] = []
    for i, (name, column) in enumerate(columns):
        s = _series(data, column, "sensitive_features", rows)
        rows = len(s)
        label = name or (column if isinstance(column, str) else (str(s.name) if s.name is not None else f"sensitive_feature_{i}"))
        series.append((label, s))
    names = [n for n, _ in series]
    if len(set(names)) != len(names):
        raise ValueError(f"sensitive_features names a column twice ({', '.join(names)})")
    if rows == 0:
        raise ValueError("no data rows: the data are empty")
    return [attribute(s, n) for n, s in series], int(rows)


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def column_name(what: str, column: ColumnLike) -> str:
    """How messages name an argument: "y_true (column 'y')", or "y_true" for an array."""
    return f"{what} (column '{column}')" if isinstance(column, str) else what


def binary(data: Optional[pd.DataFrame], column: ColumnLike, what: str, noun: str, rows: int) -> np.ndarray:
    """A 0/1 column as uint8 (bool and uint8 columns without a copy)."""
    s = _series(data, column, what, rows)
    where = column_name(what, column)
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    values = s.to_numpy(copy=False) if isinstance(s.dtype, np.dtype) and s.dtype.kind in "biuf" else None
    if values is None:  # object, nullable or string: convert, refusing missing values
        if s.isna().any():
            raise ValueError(f"{where}: row {_first_bad(s.isna().to_numpy())}: expected {noun} 0 or 1 (or True/False), found a missing value (NaN)")
        try:
            values = s.to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            raw = s.to_numpy(dtype=object)
            for i, v in enumerate(raw):
                try:
                    float(v)
                except (TypeError, ValueError):
                    raise ValueError(f"{where}: row {i}: expected {noun} 0 or 1 (or True/False), found {v!r}") from None
            raise
    if values.dtype.kind == "b":
        return np.ascontiguousarray(values).view(np.uint8)
    if values.dtype == np.uint8:  # passed as is: the core checks every value (one pass fewer here)
        return np.ascontiguousarray(values)
    if values.dtype.kind == "f":
        if np.isnan(values).any():
            raise ValueError(f"{where}: row {_first_bad(np.isnan(values))}: expected {noun} 0 or 1 (or True/False), found NaN")
        bad = (values != 0) & (values != 1)
    else:
        bad = (values != 0) & (values != 1)
    if bad.any():
        i = _first_bad(bad)
        raise ValueError(f"{where}: row {i}: expected {noun} 0 or 1 (or True/False), found {values[i].item()!r}")
    return np.ascontiguousarray(values, dtype=np.uint8)


def sample_weight(data: Optional[pd.DataFrame], column: ColumnLike, rows: int) -> np.ndarray:
    """Row weights (finite, ≥ 0) as float64."""
    s = _series(data, column, "sample_weight", rows)
    where = column_name("sample_weight", column)
    try:
        values = s.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected row weights (finite numbers ≥ 0), found values of type {s.dtype}") from None
    bad = ~(np.isfinite(values) & (values >= 0))
    if bad.any():
        i = _first_bad(bad)
        raise ValueError(f"{where}: row {i}: expected a row weight: a finite number ≥ 0, found {values[i].item()!r}")
    return np.ascontiguousarray(values)


def loss(data: Optional[pd.DataFrame], column: ColumnLike, rows: int) -> np.ndarray:
    """A loss column in [0, 1] as float64."""
    s = _series(data, column, "loss", rows)
    where = f"loss (column '{column}')" if isinstance(column, str) else "loss"
    try:
        values = s.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected numbers in [0, 1], found values of type {s.dtype}") from None
    bad = ~((values >= 0) & (values <= 1))
    if bad.any():
        i = _first_bad(bad)
        raise ValueError(f"{where}: row {i}: expected a loss in [0, 1], found {values[i].item()!r}")
    return np.ascontiguousarray(values)
