"""Shared fixtures: the built cvar-audit executable (the reference the
package must agree with), the COMPAS rows it embeds, and generated data."""
from __future__ import annotations

import json
import math
import os
import subprocess
from pathlib import Path
from typing import Any, List

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPAS = ROOT / "Sources" / "CVaRAudit" / "Resources" / "compas-two-years.csv"


def cli_path() -> Path:
    return Path(os.environ.get("CVAR_AUDIT_BIN", ROOT / ".build" / "debug" / "cvar-audit"))


@pytest.fixture(scope="session")
def cli() -> Path:
    path = cli_path()
    if not path.exists():
        pytest.fail(f"{path} is missing: run `swift build` first (or set CVAR_AUDIT_BIN)")
    return path


def run_cli(cli: Path, args: List[str], frame: pd.DataFrame | None = None, tmp: Path | None = None) -> Any:
    """The JSON the CLI prints for ``args`` (rows from ``frame`` through a CSV file)."""
    command = [str(cli), *args, "--format", "json"]
    if frame is not None:
        path = tmp / "rows.csv"
        frame.to_csv(path, index=False)
        command += ["--input", str(path)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def assert_same(a: Any, b: Any, path: str = "$", tol: float = 1e-12) -> None:
    """Equal documents: same keys, same strings, numbers within tol (relative and absolute)."""
    if isinstance(a, dict):
        assert isinstance(b, dict), path
        assert sorted(a) == sorted(b), f"{path}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{path}.{k}", tol)
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{path}: {a!r} != {b!r}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]", tol)
    elif isinstance(a, bool) or a is None or isinstance(a, str):
        assert a == b, f"{path}: {a!r} != {b!r}"
    else:
        assert isinstance(b, (int, float)) and not isinstance(b, bool), f"{path}: {a!r} != {b!r}"
        assert math.isclose(a, b, rel_tol=tol, abs_tol=tol), f"{path}: {a!r} != {b!r}"


@pytest.fixture(scope="session")
def compas() -> pd.DataFrame:
    df = pd.read_csv(COMPAS)
    df["pred"] = (df["decile_score"] >= 5).astype(np.int64)
    return df


def generated(seed: int, rows: int = 20_000, levels=(7, 5, 4)) -> pd.DataFrame:
    """Rows over three attributes (an integer, a string and a categorical
    column, with some missing values), labels, and predictions whose error
    rate varies by group."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, levels[0], rows)
    b = rng.choice([f"b{i}" for i in range(levels[1])], rows).astype(object)
    b[rng.random(rows) < 0.01] = None
    c = pd.Categorical(rng.choice([f"level {i}" for i in range(levels[2])], rows),
                       categories=[f"level {i}" for i in range(levels[2] + 1)])
    y = rng.integers(0, 2, rows)
    flip = rng.random(rows) < 0.1 + 0.03 * a
    p = np.where(flip, 1 - y, y)
    return pd.DataFrame({"a": a, "b": b, "c": c, "y": y, "p": p})
