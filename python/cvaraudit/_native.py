"""The one module that talks to the compiled core (``libCVaRAuditFFI.so``).

It passes a JSON request and the columns as raw numpy buffers to the C
function ``cvaraudit_call`` and returns the decoded JSON result; an error in
the input comes back as ``ValueError`` with the core's message. Nothing else in
the package uses ctypes.
"""
from __future__ import annotations

import ctypes
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np

_LIBRARY_NAME = "libCVaRAuditFFI.so" if sys.platform != "darwin" else "libCVaRAuditFFI.dylib"
_library: Optional[ctypes.CDLL] = None
# Wall time of the last cvaraudit_call (the work in the core, as opposed to the
# Python side around it): read by Benchmarks/compare/python_binding.py.
last_call_seconds = 0.0


def library_path() -> Path:
    """The shared library in use: ``$CVARAUDIT_LIBRARY`` if set (a development
    build), else the one bundled in the wheel."""
    override = os.environ.get("CVARAUDIT_LIBRARY")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent / "_lib" / _LIBRARY_NAME


def _load() -> ctypes.CDLL:
    global _library
    if _library is None:
        path = library_path()
        if not path.exists():
            raise ImportError(f"cvaraudit: the compiled core {path} is missing (build the wheel with `make wheel`)")
        lib = ctypes.CDLL(str(path))
        lib.cvaraudit_call.restype = ctypes.c_int32
        lib.cvaraudit_call.argtypes = [
            ctypes.c_char_p, ctypes.c_ssize_t, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_int32),
            ctypes.c_ssize_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
            ctypes.POINTER(ctypes.POINTER(ctypes.c_char)), ctypes.POINTER(ctypes.POINTER(ctypes.c_double)),
            ctypes.POINTER(ctypes.c_ssize_t),
        ]
        lib.cvaraudit_free.restype = None
        lib.cvaraudit_free.argtypes = [ctypes.c_void_p]
        _library = lib
    return _library


def _pointer(array: Optional[np.ndarray], dtype: Any, rows: int, what: str) -> Optional[int]:
    if array is None:
        return None
    if array.dtype != dtype or array.ndim != 1 or len(array) != rows or not array.flags.c_contiguous:
        raise AssertionError(f"internal error: {what} is not a contiguous {dtype} column of {rows} rows")
    return array.ctypes.data


def call(request: dict, codes: Sequence[np.ndarray], rows: int, labels: Optional[np.ndarray] = None,
         predictions: Optional[np.ndarray] = None, losses: Optional[np.ndarray] = None,
         weights: Optional[np.ndarray] = None) -> dict:
    """Runs one request on the columns and returns the decoded result.

    ``codes`` are C-contiguous signed integer arrays of 1, 2, 4 or 8 bytes (one
    per attribute, ``rows`` long); ``labels``/``predictions`` uint8 arrays and
    ``losses`` a float64 array, or None. The arrays are read in place (the GIL
    is released during the call) and must stay alive until it returns, which
    they do: this frame holds them.
    """
    lib = _load()
    k = len(codes)
    pointers = (ctypes.c_void_p * max(k, 1))()
    widths = (ctypes.c_int32 * max(k, 1))()
    for a, c in enumerate(codes):
        if c.ndim != 1 or len(c) != rows or not c.flags.c_contiguous or c.dtype.kind != "i":
            raise AssertionError("internal error: codes must be contiguous signed integers, one per row")
        pointers[a] = c.ctypes.data
        widths[a] = c.dtype.itemsize
    output = ctypes.POINTER(ctypes.c_char)()
    numbers = ctypes.POINTER(ctypes.c_double)()
    count = ctypes.c_ssize_t(0)
    global last_call_seconds
    started = time.perf_counter()
    status = lib.cvaraudit_call(
        json.dumps(request).encode("utf-8"), k, pointers, widths, rows,
        _pointer(labels, np.uint8, rows, "y_true"), _pointer(predictions, np.uint8, rows, "y_pred"),
        _pointer(losses, np.float64, rows, "loss"), _pointer(weights, np.float64, rows, "sample_weight"),
        ctypes.byref(output), ctypes.byref(numbers), ctypes.byref(count))
    last_call_seconds = time.perf_counter() - started
    try:
        values = np.ctypeslib.as_array(numbers, shape=(count.value,)).copy() if count.value else np.empty(0)
    finally:
        if numbers:
            lib.cvaraudit_free(numbers)
    return _inflate(_reply(lib, status, output), values)


def _inflate(document: Any, values: np.ndarray) -> Any:
    """Replaces each ``numbers`` block (names, offset, count) by its columns:
    float64 arrays viewing ``values`` (NaN where the core had no value)."""
    if isinstance(document, dict):
        block = document.pop("numbers", None)
        for v in document.values():
            _inflate(v, values)
        if block is not None:
            n = block["count"]
            for j, name in enumerate(block["names"]):
                start = block["offset"] + j * n
                document[name] = values[start:start + n]
    elif isinstance(document, list):
        for v in document:
            _inflate(v, values)
    return document


def _monitor_functions(lib: ctypes.CDLL) -> None:
    if getattr(lib, "_monitor_ready", False):
        return
    out = ctypes.POINTER(ctypes.POINTER(ctypes.c_char))
    lib.cvaraudit_monitor_new.restype = ctypes.c_int32
    lib.cvaraudit_monitor_new.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p), out]
    lib.cvaraudit_monitor_observe.restype = ctypes.c_int32
    lib.cvaraudit_monitor_observe.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ssize_t, out]
    lib.cvaraudit_monitor_free.restype = None
    lib.cvaraudit_monitor_free.argtypes = [ctypes.c_void_p]
    lib._monitor_ready = True


def _reply(lib: ctypes.CDLL, status: int, output) -> dict:
    try:
        text = ctypes.string_at(output).decode("utf-8")
    finally:
        lib.cvaraudit_free(output)
    if status != 0:
        raise ValueError(text)
    return json.loads(text)


def monitor_new(request: dict) -> tuple:
    """A new sequential tester: (handle, initial state)."""
    lib = _load()
    _monitor_functions(lib)
    handle = ctypes.c_void_p()
    output = ctypes.POINTER(ctypes.c_char)()
    status = lib.cvaraudit_monitor_new(json.dumps(request).encode("utf-8"), ctypes.byref(handle), ctypes.byref(output))
    return handle.value, _reply(lib, status, output)


def monitor_observe(handle: int, groups: np.ndarray, losses: np.ndarray) -> dict:
    """Observes rows (int32 declared-group indices, float64 losses) until the first decision."""
    lib = _load()
    n = len(groups)
    g = _pointer(groups, np.int32, n, "groups")
    l = _pointer(losses, np.float64, n, "losses")
    output = ctypes.POINTER(ctypes.c_char)()
    status = lib.cvaraudit_monitor_observe(handle, g, l, n, ctypes.byref(output))
    return _reply(lib, status, output)


def monitor_free(handle: Optional[int]) -> None:
    if handle:
        lib = _load()
        _monitor_functions(lib)
        lib.cvaraudit_monitor_free(handle)
