"""Run the built `cvar-audit` executable from a notebook and read its JSON output.

The notebooks compute no statistics themselves: every number they plot comes from the
executable. This module finds it, shows each command line as it runs it, and parses the JSON.

The executable: the path in the environment variable CVAR_AUDIT_BIN, else the release build
(.build/release/cvar-audit), else the debug build (.build/debug/cvar-audit) of this repository.
"""

import json
import os
import shlex
import subprocess
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent

#: Set (to anything but 0 or empty) by the test suite: notebooks with long runs use fewer replicates.
QUICK = os.environ.get("CVAR_NOTEBOOK_QUICK", "") not in ("", "0")


def executable() -> str:
    """The path of the cvar-audit executable the notebooks call."""
    configured = os.environ.get("CVAR_AUDIT_BIN")
    if configured:
        if not os.access(configured, os.X_OK):
            raise FileNotFoundError(f"CVAR_AUDIT_BIN={configured} is not an executable file")
        return configured
    for build in ("release", "debug"):
        path = REPOSITORY / ".build" / build / "cvar-audit"
        if os.access(path, os.X_OK):
            return str(path)
    raise FileNotFoundError(
        "no cvar-audit executable: run `swift build -c release` in the repository, "
        "or set CVAR_AUDIT_BIN to its path")


def executable_name() -> str:
    """The executable's path, relative to the repository when it lies inside it."""
    path = Path(os.path.abspath(executable()))
    try:
        return str(path.relative_to(REPOSITORY))
    except ValueError:
        return str(path)


def run(*arguments, echo=True):
    """Run `cvar-audit ARGUMENTS...`; return its standard output (text).

    Raises RuntimeError with the command's standard error when it exits with a non-zero status.
    """
    arguments = [str(a) for a in arguments]
    if echo:
        print("$ cvar-audit " + shlex.join(arguments))
    completed = subprocess.run([executable(), *arguments], capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(
            f"cvar-audit {shlex.join(arguments)} exited with status {completed.returncode}:\n"
            + completed.stderr)
    return completed.stdout


def run_json(*arguments, echo=True):
    """Run `cvar-audit ARGUMENTS... --format json` and return the parsed JSON document."""
    return json.loads(run(*arguments, "--format", "json", echo=echo))


def group_label(key, attributes):
    """A group's display name, as the table output shows it: values joined by ' | '."""
    return " | ".join(key[a] for a in attributes)
