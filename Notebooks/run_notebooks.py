#!/usr/bin/env python3
"""Execute the notebooks from a clean kernel; fail on the first cell error.

    python3 Notebooks/run_notebooks.py                 # every notebook, into temporary copies
    python3 Notebooks/run_notebooks.py --in-place A.ipynb  # write the outputs back (to commit them)

`make test` runs this with CVAR_NOTEBOOK_QUICK=1 (fewer replicates in the long simulations) on
temporary copies, so the committed notebooks (whose outputs come from a full run) stay unchanged.
It also checks that every committed notebook was executed in full: each code cell has been run,
in order, and none of the stored outputs says it came from the quick mode.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK_MARKER = "quick mode: ON"


def requirements_met():
    """Whether every package pinned in requirements.txt is installed at its pinned version."""
    from importlib import metadata
    for line in (HERE / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        name, _, version = line.partition("==")
        try:
            if metadata.version(name) != version:
                return False
        except metadata.PackageNotFoundError:
            return False
    return True


def committed_problems(notebook):
    """Reasons why a committed notebook does not hold the outputs of one full run."""
    problems = []
    counts = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        if cell.execution_count is None:
            problems.append(f"code cell {index} has not been executed")
        else:
            counts.append(cell.execution_count)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"code cell {index} stores an error")
            if QUICK_MARKER in str(output.get("text", "")):
                problems.append(f"code cell {index}: the stored outputs come from the quick mode")
    if counts != list(range(1, len(counts) + 1)):
        problems.append(f"code cells were not run once each, in order (execution counts {counts})")
    return problems


def execute(path, output_path, timeout):
    import nbformat
    from nbclient import NotebookClient
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(HERE)}})
    client.execute()
    nbformat.write(notebook, output_path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: Notebooks/*.ipynb)")
    parser.add_argument("--in-place", action="store_true", help="write the executed notebook back to its file")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds allowed per cell")
    parser.add_argument("--check-requirements", action="store_true",
                        help="only check that requirements.txt is installed (exit status 1 when not)")
    arguments = parser.parse_args()
    if arguments.check_requirements:
        sys.exit(0 if requirements_met() else 1)
    import nbformat
    from nbclient.exceptions import CellExecutionError
    notebooks = arguments.notebooks or sorted(HERE.glob("*.ipynb"))
    # The kernel runs in Notebooks/: make a relative executable path absolute first.
    if os.environ.get("CVAR_AUDIT_BIN"):
        os.environ["CVAR_AUDIT_BIN"] = os.path.abspath(os.environ["CVAR_AUDIT_BIN"])
    if not notebooks:
        sys.exit("no notebooks found")
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="cvar-notebooks-") as scratch:
        for path in notebooks:
            ok = True
            if not arguments.in_place:
                problems = committed_problems(nbformat.read(path, as_version=4))
                for problem in problems:
                    print(f"{path.name}: committed copy: {problem}", file=sys.stderr)
                ok = not problems
            target = path if arguments.in_place else Path(scratch) / path.name
            started = time.monotonic()
            try:
                execute(path, target, arguments.timeout)
            except CellExecutionError as error:
                print(f"{path.name}: FAILED\n{error}", file=sys.stderr)
                ok = False
            else:
                mode = "quick" if os.environ.get("CVAR_NOTEBOOK_QUICK", "") not in ("", "0") else "full"
                print(f"{path.name}: {'ok' if ok else 'ran, but the committed copy is not a clean full run'}"
                      f" ({mode} mode, {time.monotonic() - started:.1f} s)")
            passed += ok
            failed += not ok
    # The plain closing line CI reads: one entry per notebook.
    print(f"notebooks: {passed} passed, {failed} failed")
    if failed:
        sys.exit(1)

if __name__ == "__main__":
    main()
