"""End-to-end checks of the aggregates path against real SQL engines.

The data is generated here (seeded); the engines are the PyPI packages
`duckdb` (embedded) and `pyspark` (local mode, Java 17), installed by
`make e2e-deps`. Each check runs `cvar-audit sql` to get the query, runs it in
the engine, feeds the engine's output file to `cvar-audit audit --aggregates`
(after `cvar-audit merge` for shards), and compares the JSON with the
row-level `cvar-audit audit --input` on the same rows to 1e-12.

The binary is .build/debug/cvar-audit (`make test` builds it first).
"""
import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / ".build" / "debug" / "cvar-audit"

# Column names that need quoting: a backtick (doubled in Spark), a space, and
# a single quote in the loss column, whose name also appears in a string
# literal ('loss:lo''ss'). Double quotes are tested with DuckDB below (Spark's
# CSV writer escapes a double quote with a backslash by default, which is not
# RFC 4180 CSV: see README).
RACE = "ra`ce"
SEX = "se x"
PREDICTION_COLUMNS = dict(label="y", score="sc`ore", threshold="0.5")
LOSS = "lo'ss"
METRICS = ["error", "fnr", "fpr", "selection", f"loss:{LOSS}"]
TOLERANCE = 1e-12


def run(*args, check=True):
    result = subprocess.run([str(BINARY), *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"cvar-audit {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result


def csv_field(text):
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """2,000 rows over 6 × 3 groups of unequal sizes (a few tiny ones), a score, a loss in [0, 1]."""
    if not BINARY.exists():
        pytest.fail(f"{BINARY} is missing: run `swift build` first (make test does)")
    rng = np.random.default_rng(20240817)
    n = 2000
    races = np.array(["A", "B", "C", "D", "E", "F"])
    race = races[rng.choice(6, size=n, p=[0.4, 0.25, 0.15, 0.1, 0.07, 0.03])]
    sex = np.array(["f", "m", "x"])[rng.choice(3, size=n, p=[0.48, 0.48, 0.04])]
    y = rng.integers(0, 2, size=n)
    score = np.round(np.clip(0.35 + 0.3 * y + rng.normal(0, 0.25, n), 0, 1), 6)
    loss = np.round(rng.beta(2, 5, size=n), 9)
    directory = tmp_path_factory.mktemp("e2e")
    header = [RACE, SEX, "y", PREDICTION_COLUMNS["score"], LOSS]
    lines = [",".join(csv_field(h) for h in header)]
    lines += [f"{r},{s},{int(l)},{repr(float(sc))},{repr(float(lo))}" for r, s, l, sc, lo in zip(race, sex, y, score, loss)]
    path = directory / "rows.csv"
    path.write_text("\n".join(lines) + "\n")
    return directory, path, lines


def row_level_audit(rows, metric):
    out = run("audit", "--input", str(rows), "--group-by", f"{RACE},{SEX}",
              "--label", "y", "--score", PREDICTION_COLUMNS["score"], "--threshold", PREDICTION_COLUMNS["threshold"],
              "--metric", metric, "--format", "json")
    return json.loads(out.stdout)


def aggregates_audit(path, metric, group_by=f"{RACE},{SEX}"):
    return json.loads(run("audit", "--aggregates", str(path), "--group-by", group_by,
                          "--metric", metric, "--format", "json").stdout)


def sql(dialect, table):
    return run("sql", "--dialect", dialect, "--table", table, "--group-by", f"{RACE},{SEX}",
               "--label", "y", "--score", PREDICTION_COLUMNS["score"], "--threshold", PREDICTION_COLUMNS["threshold"],
               "--metric", ",".join(METRICS)).stdout


def close(a, b):
    """Numbers within TOLERANCE; dicts (the summary's smallCells) and lists member by member."""
    if a is None or b is None:
        return a is b
    if isinstance(b, dict):
        return isinstance(a, dict) and a.keys() == b.keys() and all(close(a[k], b[k]) for k in b)
    if isinstance(b, list):
        return isinstance(a, list) and len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))
    if isinstance(b, (bool, str)):
        return a == b
    return abs(a - b) <= TOLERANCE * max(1.0, abs(b))


def assert_same_audit(actual, expected):
    """Equal to 1e-12, group by group. Groups whose disparities tie may share
    the CVaR's boundary weight in another order (ties are broken by group
    order, which differs between a file's order and an engine's), so tail
    weights are compared summed over each set of tied groups."""
    assert actual["metric"] == expected["metric"]
    for name, value in expected["summary"].items():
        if isinstance(value, list):
            assert all(close(a, b) for a, b in zip(actual["summary"][name], value)), name
        else:
            assert close(actual["summary"][name], value), (name, actual["summary"][name], value)
    assert actual["groupsWithoutRate"] == expected["groupsWithoutRate"]
    assert actual["excludedRows"] == expected["excludedRows"]

    def key(group):
        return tuple(sorted(group["key"].items()))

    mine = {key(g): g for g in actual["groups"]}
    assert set(mine) == {key(g) for g in expected["groups"]}
    tied = {}
    for g in expected["groups"]:
        a = mine[key(g)]
        for field in ["n", "sum", "rate", "disparity", "weight"]:
            assert close(a[field], g[field]), (key(g), field, a[field], g[field])
        for field in ["ci", "disparityInterval"]:
            assert all(close(x, y) for x, y in zip(a[field], g[field])), (key(g), field)
        bucket = round(g["disparity"], 10)
        tied.setdefault(bucket, [0.0, 0.0])
        tied[bucket][0] += a["tailWeight"]
        tied[bucket][1] += g["tailWeight"]
    assert all(close(a, b) for a, b in tied.values()), tied


# --- DuckDB -------------------------------------------------------------------

def test_duckdb_reproduces_row_level_audit(data):
    duckdb = pytest.importorskip("duckdb", reason="duckdb is not installed: run `make e2e-deps`")
    directory, rows, _ = data
    con = duckdb.connect()
    parquet = directory / "rows.parquet"
    con.execute(f"COPY (SELECT * FROM read_csv('{rows}', header = true)) TO '{parquet}' (FORMAT parquet)")
    # A qualified name a.b.c: catalog memory, schema audit, table rows.
    con.execute('CREATE SCHEMA "audit"')
    con.execute(f"CREATE TABLE \"audit\".\"rows\" AS SELECT * FROM read_parquet('{parquet}')")
    query = sql("duckdb", "memory.audit.rows")
    out_csv = directory / "duckdb.csv"
    out_json = directory / "duckdb.json"
    con.execute(f"COPY ({query}) TO '{out_csv}' (HEADER, DELIMITER ',')")
    con.execute(f"COPY ({query}) TO '{out_json}' (FORMAT json)")
    for metric in METRICS:
        expected = row_level_audit(rows, metric)
        assert_same_audit(aggregates_audit(out_csv, metric), expected)
        assert_same_audit(aggregates_audit(out_json, metric), expected)
    # Coarser groups from the same file equal the row-level audit by one column.
    coarse = run("audit", "--input", str(rows), "--group-by", RACE, "--label", "y",
                 "--score", PREDICTION_COLUMNS["score"], "--threshold", "0.5", "--metric", "fnr", "--format", "json")
    assert_same_audit(aggregates_audit(out_csv, "fnr", group_by=RACE), json.loads(coarse.stdout))


def test_duckdb_hostile_identifiers_are_quoted(data):
    """Column and table names with quotes and SQL in them neither break the
    query nor run as SQL: the table survives and the counts are right."""
    duckdb = pytest.importorskip("duckdb", reason="duckdb is not installed: run `make e2e-deps`")
    directory, _, _ = data
    con = duckdb.connect()
    # The second name's quote is followed by a combining mark (one Swift
    # Character with it, but still a quote to the engine).
    hostiles = ['g"; DROP TABLE "t"; --', 'g"\u0301; DROP TABLE "t"; --']
    label = "y' OR '1'='1"
    con.execute('CREATE TABLE "t" ("g""; DROP TABLE ""t""; --" VARCHAR, "g""\u0301; DROP TABLE ""t""; --" VARCHAR, '
                '"y\' OR \'1\'=\'1" INTEGER, "p" INTEGER)')
    con.execute("INSERT INTO t VALUES ('a', 'a', 1, 1), ('a', 'a', 0, 1), ('b', 'b', 1, 0), ('b', 'b', 1, 1), ('b', 'b', 0, 0)")
    con.execute('CREATE TABLE "we""ird" AS SELECT * FROM t')
    for table, hostile in [(t, h) for t in ["t", 'we"ird'] for h in hostiles]:
        query = run("sql", "--dialect", "duckdb", "--table", table, "--group-by", hostile, "--label", label,
                    "--prediction", "p", "--metric", "error").stdout
        out = directory / "hostile.csv"
        con.execute(f"COPY ({query}) TO '{out}' (HEADER)")
        assert con.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 5
        audit = json.loads(run("audit", "--aggregates", str(out), "--group-by", hostile,
                               "--metric", "error", "--format", "json").stdout)
        by_group = {g["key"][hostile]: (g["n"], g["sum"]) for g in audit["groups"]}
        assert by_group == {"a": (2, 1), "b": (3, 1)}


# --- Spark --------------------------------------------------------------------

def test_spark_shards_merge_to_row_level_audit(data):
    pytest.importorskip("pyspark", reason="pyspark is not installed: run `make e2e-deps`")
    if shutil.which("java") is None:
        pytest.skip("no java on PATH: Spark local mode needs Java 17")
    from pyspark.sql import SparkSession

    directory, rows, lines = data
    # The same rows split into three shards of unequal size.
    shard_paths = []
    bounds = [1, 700, 1500, len(lines)]
    for i in range(3):
        path = directory / f"shard{i}.csv"
        path.write_text("\n".join([lines[0]] + lines[bounds[i]:bounds[i + 1]]) + "\n")
        shard_paths.append(path)
    spark = (SparkSession.builder.master("local[2]").appName("cvar-audit-e2e")
             .config("spark.sql.shuffle.partitions", "3").config("spark.sql.adaptive.enabled", "false")
             .config("spark.ui.enabled", "false").getOrCreate())
    try:
        query = sql("spark", "rows")
        outputs = []
        # Each shard aggregated on its own: groups overlap across shards.
        for i, path in enumerate(shard_paths):
            frame = spark.read.csv(str(path), header=True, inferSchema=True).repartition(2)
            frame.createOrReplaceTempView("rows")
            out = directory / f"spark_shard{i}"
            spark.sql(query).write.csv(str(out), header=True, mode="overwrite")
            outputs += sorted(str(p) for p in out.glob("part-*.csv"))
        # The whole data set in several partitions: groups split over part files.
        whole = spark.read.csv(str(rows), header=True, inferSchema=True).repartition(4)
        whole.createOrReplaceTempView("rows")
        whole_out = directory / "spark_whole"
        spark.sql(query).write.csv(str(whole_out), header=True, mode="overwrite")
        whole_parts = sorted(str(p) for p in whole_out.glob("part-*.csv"))
    finally:
        spark.stop()
    assert len(outputs) >= 3 and len(whole_parts) >= 2
    merged = directory / "merged.csv"
    run("merge", *outputs, "--output", str(merged))
    merged_whole = directory / "merged_whole.csv"
    run("merge", *whole_parts, "--output", str(merged_whole))
    for metric in METRICS:
        expected = row_level_audit(rows, metric)
        assert_same_audit(aggregates_audit(merged, metric), expected)
        assert_same_audit(aggregates_audit(merged_whole, metric), expected)


# --- Permutation p-values ---------------------------------------------------------

def has_test_command():
    # An unknown subcommand prints the root help (exit 0), so look for the
    # subcommand's own usage line.
    result = run("test", "--help", check=False)
    return result.returncode == 0 and "cvar-audit test" in result.stdout


def test_permutation_p_values_match_row_level(data):
    """Binary metrics: the permutation test from aggregates draws the same
    per-group counts as from rows, so the p-values are identical for a seed."""
    if not has_test_command():
        pytest.skip("`cvar-audit test` does not exist yet (issue 3): permutation p-values cannot be compared")
    directory, rows, _ = data
    duckdb = pytest.importorskip("duckdb", reason="duckdb is not installed: run `make e2e-deps`")
    con = duckdb.connect()
    con.execute(f"CREATE TABLE \"rows\" AS SELECT * FROM read_csv('{rows}', header = true)")
    out = directory / "perm.csv"
    con.execute(f"COPY ({sql('duckdb', 'rows')}) TO '{out}' (HEADER)")
    for metric in ["error", "fnr"]:
        common = ["--group-by", f"{RACE},{SEX}", "--metric", metric, "--permutations", "999", "--seed", "7",
                  "--format", "json"]
        by_rows = json.loads(run("test", "--input", str(rows), "--label", "y", "--score", PREDICTION_COLUMNS["score"],
                                 "--threshold", "0.5", *common).stdout)
        by_sums = json.loads(run("test", "--aggregates", str(out), *common).stdout)
        assert by_rows["pValue"] == by_sums["pValue"]
        assert close(by_sums["value"], by_rows["value"])
