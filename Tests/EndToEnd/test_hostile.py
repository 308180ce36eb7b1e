"""Hostile options and files for every subcommand, through the built binary.

A seeded corpus (SEED below; the same seed gives the same cases) of values no
option accepts (NaN, ±inf, -0 where 0 is excluded, numbers just outside each
documented range, huge and tiny numbers, integers near 2^62 and 2^63, empty
and non-numeric text) is run against every numeric option of every
subcommand, and a set of hostile files (empty, a directory, /dev/null, random
bytes, a very long line, invalid UTF-8, a missing path, a named pipe) against
every option that reads a file. Each run must end with exit status 2, a
message on standard error and nothing on standard output; no run may die of a
signal (a trap is SIGILL or SIGTRAP), take longer than TIMEOUT seconds, or use
more than MEMORY bytes of address space (RLIMIT_AS, set before the binary
starts: an allocation beyond it fails, and the Swift runtime traps).

Output paths are checked the same way: standard output to /dev/full or closed
(exit 1, documented in README "Bad input"), a closed pipe (a quiet exit 0), and
--report / --save-state / --output naming an input, a link to it, or a
directory (exit 2).

The ranges here are README's table; the binary is .build/debug/cvar-audit
(`make test` builds it first). The cases run on a few threads at once.
"""
import math
import os
import random
import resource
import signal
import struct
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / ".build" / "debug" / "cvar-audit"
SEED = 20261203
TIMEOUT = 20
MEMORY = 4 << 30
VALUES_PER_OPTION = 2

# --- The documented ranges (README "Bad input") ------------------------------

P_LOW, P_HIGH = 1e-12, 1 - 1e-12


def real(lo, hi, lo_closed=True, hi_closed=True):
    def ok(x):
        return math.isfinite(x) and (x >= lo if lo_closed else x > lo) and (x <= hi if hi_closed else x < hi)
    return ("real", lo, hi, ok)


def integers(lo, hi):
    return ("int", lo, hi, lambda x: x == int(x) and lo <= x <= hi)


ALPHA = real(0, 1, lo_closed=False)
PROBABILITY = real(P_LOW, P_HIGH)
EPSILON = real(0, 1, lo_closed=False)
# plan and simulate take any positive ε and say "not detectable" (exit 2) above what a rate allows.
POSITIVE = real(0, math.inf, lo_closed=False, hi_closed=False)
BASE_RATE = real(0, 1, hi_closed=False)
DISPARITY = real(-1, 1)
FINITE = real(-math.inf, math.inf)
GAP = real(0, 0.7, lo_closed=False)
ZIPF = real(0, 10)
GROUPS = integers(2, 100_000)
PERMUTATIONS = integers(1, 10**9)
REPLICATES = integers(1, 10**6)
ROWS = integers(1, 2**53)
SEEDS = integers(0, 2**64 - 1)

# The group-table and small-cell options of audit and test.
LISTING = {"--top": integers(0, 10**9), "--min-n": ROWS, "--small-n": ROWS, "--small-share": real(0, 1)}

# subcommand -> (base arguments, {option: range}); options that need others
# to be read at all get them in CONTEXT.
OPTIONS = {
    "audit": ([], {"--alpha": ALPHA, "--confidence-level": PROBABILITY, "--threshold": FINITE, **LISTING}),
    "test": ([], {"--alpha": ALPHA, "--delta": PROBABILITY, "--permutations": PERMUTATIONS, "--seed": SEEDS,
                  "--tolerance": DISPARITY, "--threshold": FINITE, **LISTING}),
    "plan": (["--num-groups", "4"], {"--num-groups": GROUPS, "--alpha": ALPHA, "--epsilon": POSITIVE,
                                     "--delta": PROBABILITY, "--power": PROBABILITY, "--samples": ROWS,
                                     "--base-rate": BASE_RATE, "--replicates": REPLICATES,
                                     "--calibration-replicates": REPLICATES, "--seed": SEEDS,
                                     "--top": integers(0, 10**9)}),
    "simulate": (["--replicates", "5", "--calibration-replicates", "5"],
                 {"--groups": GROUPS, "--alpha": ALPHA, "--epsilon": POSITIVE, "--base-rate": BASE_RATE,
                  "--delta": PROBABILITY, "--power": PROBABILITY, "--replicates": REPLICATES,
                  "--calibration-replicates": REPLICATES, "--seed": SEEDS}),
    "simulate scaling": (["--groups", "4"], {"--groups": GROUPS, "--replicates": REPLICATES,
                                            "--calibration-replicates": REPLICATES, "--seed": SEEDS}),
    "monitor": ([], {"--alpha": ALPHA, "--tolerance": DISPARITY, "--delta": PROBABILITY,
                     "--l2-first-look": integers(2, 10**12), "--budget": ROWS,
                     "--report-every": integers(0, 2**53), "--threshold": FINITE}),
    "active": ([], {"--alpha": ALPHA, "--tolerance": DISPARITY, "--delta": PROBABILITY, "--seed": SEEDS,
                    "--repeat": integers(1, 10_000), "--rows-per-group": integers(2, 10**9),
                    "--budget": ROWS, "--l2-first-look": integers(2, 10**12)}),
    "sql": (["--dialect", "duckdb", "--table", "t", "--group-by", "a", "--label", "y", "--score", "s"],
            {"--threshold": FINITE}),
    "simulate-sequential": ([], {"--groups": GROUPS, "--runs": REPLICATES, "--horizon": integers(1, 10**8),
                                 "--seed": SEEDS, "--alpha": ALPHA, "--delta": PROBABILITY,
                                 "--tolerance": DISPARITY, "--gap": GAP, "--l2-first-look": integers(2, 10**12),
                                 "--rows-per-group": integers(2, 10**9), "--blocks-per-round": integers(2, 10**6)}),
    "test-study": ([], {"--rows-per-group": integers(2, 10**6), "--rate": BASE_RATE, "--epsilon": EPSILON,
                        "--replicates": REPLICATES, "--permutations": PERMUTATIONS, "--seed": SEEDS,
                        "--alpha": ALPHA, "--delta": PROBABILITY, "--tolerance": DISPARITY}),
}
CONTEXT = {
    ("audit", "--threshold"): ["--score", "decile_score"],
    ("test", "--threshold"): ["--score", "decile_score"],
    ("monitor", "--threshold"): ["--score", "decile_score"],
    ("test", "--tolerance"): ["--calibration", "tolerance"],
}

# Values no numeric option takes (NaN, infinities, overflow of a double or an
# Int, text), then the generated ones near each range's ends.
ALWAYS_BAD = ["nan", "-nan", "NaN", "inf", "-inf", "infinity", "1e309", "-1e309", "", " ", "abc", "0x", "1,5",
              "1..2", "--", "9223372036854775808", "-9223372036854775809", "18446744073709551616", "1e400"]
EXTREMES = ["-0", "0", "-1", "1", "2", "1e-17", "5e-324", "1e-300", "4611686018427387904", "9223372036854775807",
            "1e18", "1e9", "1e308", "-1e308", "0.9999999999999999", "1.0000000000000002", "-0.0", "1e-13"]


def parses(kind, text):
    """The value the binary reads from `text`, or None when no number option takes it."""
    try:
        x = float(text)
    except ValueError:
        return None
    if kind == "int":
        if not math.isfinite(x) or x != int(x):
            return None
        try:
            return int(text)
        except ValueError:
            return int(x)
    return x


def out_of_range(spec, text):
    kind, lo, hi, ok = spec
    x = parses(kind, text)
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return True
    if kind == "int" and isinstance(x, int):
        return not (lo <= x <= hi)
    return not ok(x)


def near_ends(spec, rng):
    """Seeded values just outside the range's ends (and far outside)."""
    kind, lo, hi, _ = spec
    values = []
    for end, step in ((lo, -1), (hi, 1)):
        if not math.isfinite(end):
            continue
        if kind == "int":
            values += [str(end + step), str(end + step * rng.randint(1, 10**6)), f"{end + step * 10**rng.randint(1, 6):.0e}"]
        else:
            values += [repr(math.nextafter(end, step * math.inf)), repr(end + step * rng.uniform(1e-9, 10)),
                       repr(end + step * 10 ** rng.uniform(-300, 300))]
    if kind == "int":
        values += [str(rng.randint(2**62, 2**63 - 1)), repr(rng.uniform(lo, hi) + 0.5 if math.isfinite(hi) else 0.5)]
    return values


# The values of the traps, always in the corpus of their options:
# complements that round to 1, B near 2^62, K = 10^9.
ALWAYS = {"--delta": ["1e-17"], "--confidence-level": ["1e-17"], "--power": ["0.99999999999999999", "1e-17"],
          "--permutations": ["4611686018427387904"], "--num-groups": ["1e9"], "--groups": ["1000000000"]}


def corpus():
    rng = random.Random(SEED)
    cases = []
    for command, (base, options) in OPTIONS.items():
        for option, spec in options.items():
            pool = sorted({v for v in ALWAYS_BAD + EXTREMES + near_ends(spec, rng) if out_of_range(spec, v)})
            # "-0" wherever it is out of range: it must be read as a number, not as a missing value.
            chosen = (["-0"] if "-0" in pool else []) + ALWAYS.get(option, [])
            # One past an integer range's upper end, always: above 2^53 a double of it rounds onto
            # the end (2^53 + 1 was accepted for [1, 2^53] until the parser compared integers exactly).
            if spec[0] == "int" and str(spec[2] + 1) not in chosen:
                chosen.append(str(spec[2] + 1))
            rest = [v for v in pool if v not in chosen]
            chosen += rng.sample(rest, min(VALUES_PER_OPTION, len(rest)))
            for value in chosen:
                extra = CONTEXT.get((command, option), [])
                args = command.split() + base + extra + [option, value]
                cases.append(pytest.param(args, id=f"{command} {option} {value!r}"))
    return cases


# --- Running the binary -------------------------------------------------------

def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, timeout=TIMEOUT):
    try:
        return subprocess.run([str(BINARY), *args], stdin=stdin, stdout=stdout, stderr=subprocess.PIPE,
                              timeout=timeout, preexec_fn=limit_memory)
    except subprocess.TimeoutExpired:
        pytest.fail(f"cvar-audit {' '.join(args)} ran longer than {timeout} s")


def describe(args, result):
    status = result.returncode
    died = f"signal {signal.Signals(-status).name}" if status < 0 else f"exit {status}"
    return f"cvar-audit {' '.join(map(repr, args))}: {died}; stderr: {result.stderr[:400]!r}; stdout: {(result.stdout or b'')[:200]!r}"


def assert_refused(args, result, status=2):
    assert result.returncode >= 0, describe(args, result)
    assert result.returncode == status, describe(args, result)
    assert result.stderr.strip(), describe(args, result)
    if result.stdout is not None:
        assert result.stdout == b"", describe(args, result)


@pytest.fixture(scope="module", autouse=True)
def binary():
    if not BINARY.exists():
        pytest.fail(f"{BINARY} is missing: run `swift build` first (make test does)")


def _key(args):
    return "\0".join(args)


def run_all(cases):
    """Runs the cases on a few threads (each run is mostly the binary's start-up); results by arguments."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return {_key(args): result for args, result in zip(cases, pool.map(run, cases))}


@pytest.fixture(scope="module")
def option_results():
    return run_all([p.values[0] for p in corpus()])


@pytest.mark.parametrize("args", corpus())
def test_hostile_option_value_is_refused(args, option_results):
    result = option_results[_key(args)]
    assert_refused(args, result)
    # The message names the option and what it takes.
    text = result.stderr.decode("utf-8", "replace")
    assert args[-2] in text and ("expected" in text or "needs" in text), describe(args, result)


def test_corpus_is_seeded_and_covers_every_subcommand():
    first, second = [p.values[0] for p in corpus()], [p.values[0] for p in corpus()]
    assert first == second
    commands = {" ".join(a[:2]) if a[0] == "simulate" and a[1] == "scaling" else a[0] for a in first}
    assert commands == set(OPTIONS)


# Values at the ends of each range are valid: they must run without a trap
# (exit 0), or stop with exit 2 and a message (a plan not reachable).
EDGES = [
    ["audit", "--confidence-level", "1e-12"], ["audit", "--confidence-level", "0.999999999999"],
    ["audit", "--alpha", "5e-324"], ["audit", "--alpha", "1"],
    ["test", "--delta", "1e-12", "--calibration", "bound"], ["test", "--delta", "0.999999999999", "--calibration", "bound"],
    ["test", "--calibration", "tolerance", "--tolerance", "-1", "--delta", "1e-12"],
    ["test", "--calibration", "tolerance", "--tolerance", "-0"],
    ["plan", "--num-groups", "2", "--delta", "1e-12", "--power", "0.999999999999", "--alpha", "5e-324", "--epsilon", "5e-324"],
    ["plan", "--num-groups", "2", "--power", "0.999999999999"], ["plan", "--num-groups", "2", "--power", "1e-12"],
    ["plan", "--num-groups", "100000", "--epsilon", "1", "--alpha", "1", "--samples", "9007199254740992", "--format", "csv"],
    ["simulate", "--epsilon", "5e-324", "--replicates", "5"], ["simulate", "--delta", "1e-12", "--power", "0.999999999999", "--replicates", "5"],
    ["monitor", "--delta", "1e-12", "--budget", "9007199254740992", "--l2-test", "--l2-first-look", "1000000000000"],
    ["monitor", "--delta", "0.999999999999", "--tolerance", "-1", "--reference", "-0"],
    ["simulate-sequential", "--groups", "2", "--runs", "1", "--horizon", "100", "--delta", "1e-12", "--alpha", "5e-324"],
]


@pytest.fixture(scope="module")
def edge_results():
    return run_all(EDGES)


@pytest.mark.parametrize("args", EDGES, ids=[" ".join(a) for a in EDGES])
def test_range_ends_run_without_a_trap(args, edge_results):
    result = edge_results[_key(args)]
    assert result.returncode in (0, 2), describe(args, result)
    if result.returncode == 2:
        assert_refused(args, result)
    else:
        assert result.stdout, describe(args, result)


# --- Hostile files ------------------------------------------------------------

ROW_OPTIONS = ["--group-by", "g", "--label", "y", "--prediction", "p"]
# (arguments with FILE in place of the path) for every option that reads a file.
FILE_OPTIONS = [
    ["audit", "--input", "FILE"] + ROW_OPTIONS,
    ["audit", "--aggregates", "FILE", "--group-by", "g"],
    ["test", "--input", "FILE", "--permutations", "9"] + ROW_OPTIONS,
    ["plan", "--shares", "FILE"],
    ["plan", "--num-groups", "3", "--weights", "FILE"],
    ["plan", "--input", "FILE", "--group-by", "g"],
    ["monitor", "--input", "FILE"] + ROW_OPTIONS,
    ["monitor", "--input", "FILE", "--groups-from", "FILE"] + ROW_OPTIONS,
    ["monitor", "--resume", "FILE"],
    ["active", "--pool", "FILE"] + ROW_OPTIONS,
    ["merge", "FILE"],
    ["simulate", "--profiles", "file:FILE", "--replicates", "5"],
]


def hostile_files(directory):
    rng = random.Random(SEED)
    files = {}
    (directory / "empty.csv").write_bytes(b"")
    files["empty"] = directory / "empty.csv"
    files["directory"] = directory
    files["/dev/null"] = Path("/dev/null")
    (directory / "binary.csv").write_bytes(bytes(rng.getrandbits(8) for _ in range(4096)))
    files["binary"] = directory / "binary.csv"
    # One 2 MB line of a header without a line break.
    (directory / "long.csv").write_bytes(b"g" + b"x" * (2 << 20))
    files["long line"] = directory / "long.csv"
    (directory / "missing-dir").mkdir()
    files["missing"] = directory / "missing-dir" / "none.csv"
    return files


FILE_KINDS = ["empty", "directory", "/dev/null", "binary", "long line", "missing"]


def file_case(template, path):
    return [str(path) if a == "FILE" else a.replace("file:FILE", f"file:{path}") for a in template]


@pytest.fixture(scope="module")
def file_results(tmp_path_factory):
    files = hostile_files(tmp_path_factory.mktemp("hostile"))
    cases = {(i, kind): file_case(t, files[kind]) for i, t in enumerate(FILE_OPTIONS) for kind in FILE_KINDS}
    results = run_all(list(cases.values()))
    return {case: (args, results[_key(args)]) for case, args in cases.items()}


@pytest.mark.parametrize("kind", FILE_KINDS)
@pytest.mark.parametrize("index", range(len(FILE_OPTIONS)),
                         ids=[" ".join(t[:2]) + (" " + t[3] if t[1] == "--num-groups" else "") for t in FILE_OPTIONS])
def test_hostile_file_is_refused(index, kind, file_results):
    args, result = file_results[(index, kind)]
    assert_refused(args, result)


def test_invalid_utf8_group_values_stay_distinct(tmp_path):
    """Two groups whose values are different invalid UTF-8 must stay two groups, told apart in the output."""
    path = tmp_path / "utf8.csv"
    path.write_bytes(b"g,y,p\n\xff,1,1\n\xff,0,1\n\xfe,0,0\n\xfe,1,1\nok,1,0\nok,0,0\n")
    result = run(["audit", "--input", str(path), "--format", "csv"] + ROW_OPTIONS)
    if result.returncode == 0:
        keys = {row.split(b",")[0] for row in result.stdout.splitlines()[1:]}
        if len(keys) != 3:
            pytest.fail("different invalid UTF-8 group values are shown alike: %r" % sorted(keys))
    else:
        assert_refused([str(path)], result)


@pytest.mark.parametrize("command", ["audit", "monitor"])
def test_named_pipe_as_input_is_read_once(tmp_path, command):
    """A FIFO given as --input is read (or refused with a message), not waited on forever."""
    fifo = tmp_path / "rows.fifo"
    os.mkfifo(fifo)
    rows = b"g,y,p\na,1,1\na,0,1\nb,0,0\nb,1,1\n"

    def feed():
        try:
            fd = os.open(fifo, os.O_WRONLY)
            os.write(fd, rows)
            os.close(fd)
        except OSError:
            pass
    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    args = [command, "--input", str(fifo), "--format", "csv" if command == "audit" else "json"] + ROW_OPTIONS
    try:
        result = subprocess.run([str(BINARY), *args], stdin=subprocess.DEVNULL, capture_output=True, timeout=5,
                                preexec_fn=limit_memory)
    except subprocess.TimeoutExpired:
        # Unblock the reader's second open, then report.
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            os.close(fd)
        except OSError:
            pass
        pytest.fail("a named pipe as --input hangs: %s" % " ".join(args))
    assert result.returncode >= 0, describe(args, result)
    if result.returncode == 0:
        assert command == "audit" and result.stdout.startswith(b"g,n,"), describe(args, result)
    else:
        assert_refused(args, result)


# --- Output paths -------------------------------------------------------------

def test_stdout_to_dev_full_is_an_error():
    with open("/dev/full", "wb") as full:
        result = run(["audit"], stdout=full)
    assert_refused(["audit", ">/dev/full"], result, status=1)
    assert b"No space left on device" in result.stderr


def test_closed_stdout_is_an_error():
    args = ["audit"]
    result = subprocess.run([str(BINARY), *args], stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            timeout=TIMEOUT, preexec_fn=lambda: (limit_memory(), os.close(1)))
    assert_refused(args + [">&-"], result, status=1)
    assert b"standard output is closed" in result.stderr


@pytest.mark.parametrize("args", [["audit"], ["test", "--permutations", "99"], ["plan", "--num-groups", "500"],
                                  ["sql", "--dialect", "duckdb", "--table", "t", "--group-by", "a", "--label", "y", "--prediction", "p"],
                                  ["--help"], [],
                                  ["monitor", "--report-every", "1"]], ids=lambda a: " ".join(a) or "(no arguments)")
def test_closed_pipe_is_a_quiet_clean_exit(args):
    """`cvar-audit ... | head -1` with the reader gone: exit 0, no message, no SIGPIPE."""
    read, write = os.pipe()
    os.close(read)
    try:
        result = run(args, stdout=write)
    finally:
        os.close(write)
    assert result.returncode == 0, describe(args, result)
    assert result.stderr == b"", describe(args, result)


@pytest.fixture()
def rows_file(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_bytes(b"g,y,p\na,1,1\na,0,1\nb,0,0\nb,1,1\n")
    (tmp_path / "link.csv").symlink_to(path)
    os.link(path, tmp_path / "hard.csv")
    return path


@pytest.mark.parametrize("name", ["rows.csv", "link.csv", "hard.csv", "./rows.csv"])
@pytest.mark.parametrize("template", [
    ["audit", "--input", "ROWS", "--report", "OUT"] + ROW_OPTIONS,
    ["test", "--input", "ROWS", "--permutations", "9", "--report", "OUT"] + ROW_OPTIONS,
    ["monitor", "--input", "ROWS", "--save-state", "OUT"] + ROW_OPTIONS,
    ["monitor", "--input", "ROWS", "--groups-from", "ROWS", "--save-state", "OUT"] + ROW_OPTIONS,
], ids=lambda t: " ".join(t[:1] + [t[-len(ROW_OPTIONS) - 2]]) if isinstance(t, list) else t)
def test_output_naming_an_input_is_refused(template, name, rows_file):
    before = rows_file.read_bytes()
    out = str(rows_file.parent / name) if name != "./rows.csv" else str(rows_file.parent) + "/./rows.csv"
    args = [str(rows_file) if a == "ROWS" else out if a == "OUT" else a for a in template]
    result = run(args)
    assert_refused(args, result)
    assert b"is also an input" in result.stderr, describe(args, result)
    assert rows_file.read_bytes() == before


def test_save_state_naming_standard_input_is_refused(rows_file, tmp_path):
    groups = tmp_path / "groups.csv"
    groups.write_bytes(rows_file.read_bytes())
    args = ["monitor", "--input", "-", "--groups-from", str(groups), "--save-state", str(rows_file)] + ROW_OPTIONS
    with open(rows_file, "rb") as stdin:
        result = run(args, stdin=stdin)
    assert_refused(args, result)
    assert b"is also an input (--input -)" in result.stderr


def test_merge_output_naming_an_input_is_refused(tmp_path):
    shard = tmp_path / "shard.csv"
    shard.write_bytes(b"g,metric,n,sum,sum_sq\na,error,2,1,1\n")
    (tmp_path / "alias.csv").symlink_to(shard)
    args = ["merge", str(shard), "--output", str(tmp_path / "alias.csv")]
    assert_refused(args, run(args))
    assert shard.read_bytes() == b"g,metric,n,sum,sum_sq\na,error,2,1,1\n"


@pytest.mark.parametrize("option", ["--report", "--save-state"])
def test_directory_as_output_gets_a_plain_message(option, tmp_path):
    command = ["monitor"] if option == "--save-state" else ["audit"]
    args = command + [option, str(tmp_path)]
    result = run(args)
    assert_refused(args, result)
    assert b"is a directory" in result.stderr and b"NSCocoaErrorDomain" not in result.stderr


def test_merge_output_quotes_crlf_values(tmp_path):
    shard = tmp_path / "shard.csv"
    shard.write_bytes(b'g,metric,n,sum,sum_sq\n"a\r\nb",error,2,1,1\n')
    result = run(["merge", str(shard)])
    assert result.returncode == 0, describe(["merge"], result)
    assert b'\n"a\r\nb",error,2,' in result.stdout


@pytest.mark.parametrize("args", [["plan", "--num-groups", "4", "--epsilon", "1e-300"],
                                  ["plan", "--num-groups", "4", "--power", "0.999999999999", "--delta", "1e-12", "--epsilon", "1e-9"],
                                  ["plan", "--num-groups", "4", "--alpha", "1e-300"],
                                  ["simulate", "--epsilon", "1e-300", "--replicates", "5"]], ids=lambda a: " ".join(a))
def test_sample_sizes_beyond_2_to_the_53_are_not_reachable(args):
    result = run(args)
    assert_refused(args, result)
    assert b"not reachable" in result.stderr and b"2^53" in result.stderr, describe(args, result)


def test_shares_whose_sum_overflows_are_refused(tmp_path):
    shares = tmp_path / "shares.txt"
    shares.write_text("1e308\n1e308\n1e308\n")
    args = ["plan", "--shares", str(shares)]
    result = run(args)
    assert_refused(args, result)
    assert b"sum to more than the largest double" in result.stderr


def test_too_many_groups_in_a_shares_file_are_refused(tmp_path):
    shares = tmp_path / "shares.txt"
    shares.write_text("1\n" * 100_001)
    args = ["plan", "--shares", str(shares)]
    result = run(args)
    assert_refused(args, result)
    assert b"more than 100000 groups" in result.stderr


def test_plan_csv_escapes_formulas_on_request(tmp_path):
    shares = tmp_path / "shares.csv"
    shares.write_text("group,share\n=HYPERLINK(1),0.5\n@x,0.3\nplain,0.2\n")
    plain = run(["plan", "--shares", str(shares), "--format", "csv"])
    assert plain.returncode == 0, describe(["plan"], plain)
    assert b"\n=HYPERLINK(1),0.5," in plain.stdout
    escaped = run(["plan", "--shares", str(shares), "--format", "csv", "--escape-formulas"])
    assert escaped.returncode == 0, describe(["plan"], escaped)
    assert b"\n'=HYPERLINK(1),0.5," in escaped.stdout and b"\n'@x,0.3," in escaped.stdout and b"\nplain,0.2," in escaped.stdout
