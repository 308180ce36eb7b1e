"""`make install` from a fresh clone puts a working `cvar-audit` on PATH.

The repository's committed HEAD is cloned into a temporary directory (so
nothing of this work tree's .build or resource folders can help), installed
with `make install PREFIX=<tmp>/prefix DESTDIR=<tmp>/stage`, the staged
binary moved to the prefix as a package manager would (so DESTDIR is checked
too), the clone deleted, and `cvar-audit audit` run from an unrelated
directory with only the prefix's bin on PATH: its output must be the debug
build's (the embedded COMPAS data compiled in, no resource folder needed).

It builds the package in release mode from scratch: a few minutes.
"""
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / ".build" / "debug" / "cvar-audit"


def test_make_install_from_a_fresh_clone(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(clone)], check=True)
    prefix = tmp_path / "prefix"
    stage = tmp_path / "stage"
    build = subprocess.run(["make", "--no-print-directory", "install", f"PREFIX={prefix}", f"DESTDIR={stage}"],
                           cwd=clone, capture_output=True, text=True)
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    staged = stage / prefix.relative_to("/") / "bin" / "cvar-audit"
    assert staged.is_file() and os.access(staged, os.X_OK), list(stage.rglob("*"))
    assert not (prefix / "bin" / "cvar-audit").exists(), "DESTDIR was not respected"
    (prefix / "bin").mkdir(parents=True)
    shutil.move(str(staged), prefix / "bin" / "cvar-audit")
    shutil.rmtree(clone)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": f"{prefix / 'bin'}:/usr/bin:/bin", "HOME": str(elsewhere), "TMPDIR": str(elsewhere)}
    result = subprocess.run(["cvar-audit", "audit", "--metric", "fpr", "--alpha", "0.2"], cwd=elsewhere, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "7,214 rows, 30 groups with a rate" in result.stdout
    if BINARY.exists():
        expected = subprocess.run([str(BINARY), "audit", "--metric", "fpr", "--alpha", "0.2"],
                                  capture_output=True, text=True, check=True).stdout
        assert result.stdout == expected
    # The temporary copy of the embedded data is not left behind.
    assert list(elsewhere.iterdir()) == []
