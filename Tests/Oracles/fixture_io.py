"""Writing fixtures: shared by the oracle scripts in this folder.

The scripts run as `python3 Tests/Oracles/NAME.py`, so this folder is on
sys.path and they can `from fixture_io import versions, dump`.
"""
from __future__ import annotations

import json
import os
import sys
from importlib.metadata import version as pkg_version

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures")


def versions(*names):
    """The Python version and the installed version of each named package."""
    out = {"python": "%d.%d.%d" % sys.version_info[:3]}
    for n in names:
        out[n] = pkg_version(n)
    return out


def dump(name, obj):
    """Tests/Fixtures/NAME: sorted keys, indent 1, trailing newline."""
    path = os.path.join(OUT, name)
    with open(path, "w") as fh:
        json.dump(obj, fh, indent=1, sort_keys=True)
        fh.write("\n")
    print("wrote", path)
