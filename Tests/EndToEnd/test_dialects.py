"""Checks of the PostgreSQL and BigQuery texts of `cvar-audit sql` with real parsers,
and of the PostgreSQL text on a real PostgreSQL server.

- PostgreSQL: `pglast` (libpg_query, the parser of PostgreSQL itself) parses each
  query; it must be exactly one SELECT whose parse tree names exactly the
  columns, table and metric strings that were given, and holds no node types,
  functions or casts beyond those the generator writes (so no name can end its
  quotes early and inject SQL).
- BigQuery: `sqlglot` (read="bigquery") does the same checks on its tree. It is
  laxer than BigQuery in one respect that matters here (it accepts a newline
  inside a quoted string or identifier, which BigQuery refuses), so that is
  checked on its tokens.
- A real PostgreSQL 16 server, the one that the PyPI package `pgserver` ships,
  started in a temporary directory (as `nobody` from a copy of its files when
  the tests run as root: PostgreSQL refuses to run as root), listening on a
  Unix socket only, runs the query on the rows of test_engines.py; the result
  must give the row-level audit to 1e-12, as with DuckDB and Spark.

All three packages are pinned in the Makefile (`make e2e-deps`).
"""
import importlib.util
import json
import math
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from test_engines import (BINARY, LOSS, METRICS, PREDICTION_COLUMNS, RACE, SEX, aggregates_audit,
                          assert_same_audit, data, row_level_audit, run, sql)  # noqa: F401 (data: a fixture)

BINARY_METRICS = {"error", "fnr", "fpr", "selection"}
CELLS = ["tn", "fp", "fn", "tp"]

# Names that need quoting, each of which breaks a query whose quoting is wrong:
# the quote characters of every dialect, SQL after a quote, comments, a
# backslash (an escape in BigQuery), control characters, non-ASCII letters, a
# keyword, a leading digit, and quote characters that Swift sees as part of
# a larger Character. No commas (the CLI splits lists at commas), no
# spaces at either end (it trims them), none longer than PostgreSQL's 63 bytes.
HOSTILE = [
    'g"; DROP TABLE "t"; --',
    "y' OR '1'='1",
    "ra`ce",
    "x`; DROP TABLE t; --",
    "se x",
    "it's",
    "a;b",
    "back\\slash",
    "end\\",
    "new\nline",
    "car\rriage",
    "tab\there",
    "/* c */",
    "-- d",
    '"',
    "`",
    "'",
    "$1",
    "$$x$$",
    "select",
    "1st",
    "ü名 ✓",
    "\u00e9t\u00e9 \U0001F600",
    # A quote, backslash or CR LF followed by a combining mark or LF is one
    # Swift Character but several scalars: the quote is still a quote.
    'x"\u0301; DROP TABLE t; --',
    "x`\u0301; DROP TABLE t; --",
    "it'\u0301s",
    "b\\\u0301",
    "cr\r\nlf",
]
TABLES = ["t", 'we"ird', "my sch.t`x", "proj-1.data set.tab\\le", "ü.名.t'x; DROP TABLE t; --"]


class Case:
    """One `cvar-audit sql` invocation and what its query must name."""

    def __init__(self, table, groups, metrics, label=None, prediction=None, score=None, threshold=None):
        self.table, self.groups, self.metrics = table, groups, metrics
        self.label, self.prediction, self.score, self.threshold = label, prediction, score, threshold

    def args(self, dialect):
        # --option=value: a value may start with "-" ("-- d", a negative threshold).
        out = ["sql", f"--dialect={dialect}", f"--table={self.table}", "--group-by=" + ",".join(self.groups)]
        if self.label is not None:
            out.append(f"--label={self.label}")
        if self.prediction is not None:
            out.append(f"--prediction={self.prediction}")
        if self.score is not None:
            out += [f"--score={self.score}", f"--threshold={self.threshold!r}"]
        return out + ["--metric=" + ",".join(self.metrics)]

    @property
    def binary(self):
        return any(m in BINARY_METRICS for m in self.metrics)

    @property
    def losses(self):
        out = []
        for m in self.metrics:
            if m.startswith("loss:") and m[5:] not in out:
                out.append(m[5:])
        return out

    @property
    def output_metrics(self):
        """The metric names the query writes (AggregatesQuery.outputMetrics)."""
        out = (CELLS if self.label is not None else ["selection"]) if self.binary else []
        return out + [f"loss:{c}" for c in self.losses]

    @property
    def columns(self):
        """The table's columns the query reads."""
        used = list(self.groups)
        if self.binary:
            if self.label is not None:
                used.append(self.label)
            used.append(self.prediction if self.prediction is not None else self.score)
        return set(used + self.losses)

    def __repr__(self):
        return repr(self.args("…")[2:])


def cases():
    out = []
    groups = [RACE, SEX]
    # Each metric alone, from a prediction column and from a score and threshold.
    for metric in ["error", "fnr", "fpr", "selection", f"loss:{LOSS}"]:
        out.append(Case("rows", groups, [metric], label="y", prediction="p"))
        out.append(Case("rows", groups, [metric], label="y", score="sc`ore", threshold=0.5))
    # Selection without a label; losses alone (no label, no prediction); every metric.
    out.append(Case("rows", [RACE], ["selection"], prediction="p;"))
    out.append(Case("rows", [RACE], ["selection", "loss:a\\b"], score='s"c', threshold=0.25))
    out.append(Case("db.sch.rows", groups + ["age group"], [f"loss:{LOSS}", "loss:l2", f"loss:{LOSS}"]))
    out.append(Case("rows", groups + ["age group"], METRICS + ["loss:l2"], label="y", score="sc`ore", threshold=0.5))
    # Every hostile name as a group, label, prediction, score and loss column, and every table name.
    for i, name in enumerate(HOSTILE):
        other = HOSTILE[(i + 1) % len(HOSTILE)]
        third = HOSTILE[(i + 2) % len(HOSTILE)]
        fourth = HOSTILE[(i + 3) % len(HOSTILE)]
        out.append(Case(TABLES[i % len(TABLES)], [name, "plain"], ["error", f"loss:{fourth}"], label=other,
                        prediction=third))
        out.append(Case(TABLES[(i + 1) % len(TABLES)], ["plain", name], ["fnr", "selection", f"loss:{other}"],
                        label=third, score=other, threshold=0.5))
    # All hostile names as the groups of one query, thresholds that are not round.
    others = ["label col", "score col", "loss col"]
    for threshold in [0.0, 1.0, -0.25, 0.1 + 0.2, 1e-7, 123456.789, 1e20, 5e-324]:
        out.append(Case('s"ch.we`ird', HOSTILE, METRICS[:4] + [f"loss:{others[2]}"], label=others[0],
                        score=others[1], threshold=threshold))
    return out


CASES = cases()


def generate(dialect, case):
    """The query text as printed (bytes decoded, no newline translation: a
    carriage return in a name stays one)."""
    if not BINARY.exists():
        pytest.fail(f"{BINARY} is missing: run `swift build` first (make test does)")
    result = subprocess.run([str(BINARY), *case.args(dialect)], capture_output=True)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode("utf-8")


# --- PostgreSQL: pglast ---------------------------------------------------------

# Every node type the generator's SELECT may contain: an unexpected one (a
# subquery, a function call of another name, a second statement's nodes) means
# that some text left its quotes.
PG_NODE_TYPES = {"SelectStmt", "WithClause", "CommonTableExpr", "ResTarget", "ColumnRef", "String", "FuncCall",
                 "A_Expr", "A_Const", "CaseExpr", "CaseWhen", "BoolExpr", "TypeCast", "TypeName", "RangeVar",
                 "JoinExpr", "Alias", "SortBy", "Integer", "Float"}
PG_FUNCTIONS = {"count", "sum", "min", "max"}


def pg_tree(text):
    pglast = pytest.importorskip("pglast", reason="pglast is not installed: run `make e2e-deps`")
    return json.loads(pglast.parser.parse_sql_json(text))


def pg_nodes(tree):
    """(type, fields) of every node of a libpg_query JSON tree."""
    found = []

    def walk(value):
        if isinstance(value, dict):
            for key, child in value.items():
                if key[:1].isupper() and isinstance(child, dict):
                    found.append((key, child))
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    walk(tree)
    return found


def pg_names(fields):
    return [f["String"]["sval"] if "String" in f else "*" for f in fields]


def pg_number(const):
    if "fval" in const:
        return float(const["fval"]["fval"])
    if "ival" in const:
        return float(const["ival"].get("ival", 0))
    raise AssertionError(f"not a number: {const}")


def check_names(case, unqualified, qualified, strings, tables, outputs):
    """What both parsers must recover: the names as given, nothing else."""
    internal = {"cvar_audit_rows", *(f"cvar_audit_{c}" for c in CELLS), "cvar_audit_selection"}
    internal |= {f"cvar_audit_loss{i}_{s}" for i in range(len(case.losses)) for s in "sq"}
    assert set(unqualified) == case.columns
    assert {t for t, _ in qualified} == {"g", "m"}
    assert {n for t, n in qualified if t == "m"} == {"metric"}
    assert {n for t, n in qualified if t == "g"} <= set(case.groups) | internal
    assert set(strings) == set(case.output_metrics)
    assert tables == [case.table.split(".")]
    assert outputs == case.groups + ["metric", "n", "sum", "sum_sq"]


@pytest.mark.parametrize("case", CASES, ids=range(len(CASES)))
def test_postgres_query_parses_to_the_given_names(case):
    query = generate("postgres", case)
    tree = pg_tree(query)
    assert len(tree["stmts"]) == 1
    statement = tree["stmts"][0]["stmt"]
    assert list(statement) == ["SelectStmt"]
    select = statement["SelectStmt"]
    nodes = pg_nodes(tree)
    assert {kind for kind, _ in nodes} <= PG_NODE_TYPES, {kind for kind, _ in nodes} - PG_NODE_TYPES
    refs = [pg_names(n["fields"]) for kind, n in nodes if kind == "ColumnRef"]
    assert all(len(r) in (1, 2) and "*" not in r for r in refs), refs
    ctes = [n["ctename"] for kind, n in nodes if kind == "CommonTableExpr"]
    assert ctes == ["cvar_audit_g", "cvar_audit_m"]
    tables = [[p for p in (n.get("catalogname"), n.get("schemaname"), n["relname"]) if p is not None]
              for kind, n in nodes if kind == "RangeVar" and (n["relname"] not in ctes or n.get("schemaname"))]
    strings = [n["sval"]["sval"] for kind, n in nodes if kind == "A_Const" and "sval" in n]
    functions = {".".join(pg_names(n["funcname"])) for kind, n in nodes if kind == "FuncCall"}
    assert functions <= PG_FUNCTIONS
    casts = [n for kind, n in nodes if kind == "TypeCast"]
    assert {tuple(pg_names(c["typeName"]["names"])) for c in casts} <= {("pg_catalog", "float8")}
    if case.threshold is not None and case.binary:
        assert casts and all(pg_number(c["arg"]["A_Const"]) == case.threshold for c in casts)
    else:
        assert not casts
    outputs = [n.get("name") or pg_names(n["val"]["ColumnRef"]["fields"])[-1] for n in
               (t["ResTarget"] for t in select["targetList"])]
    # The GROUP BY of the CTE lists the groups in order.
    cte_select = select["withClause"]["ctes"][0]["CommonTableExpr"]["ctequery"]["SelectStmt"]
    assert [pg_names(g["ColumnRef"]["fields"]) for g in cte_select["groupClause"]] == [[g] for g in case.groups]
    check_names(case, [r[0] for r in refs if len(r) == 1], [tuple(r) for r in refs if len(r) == 2],
                strings, tables, outputs)


def test_postgres_parser_refuses_broken_quoting():
    """The check can fail: a name whose quote is not doubled ends the
    identifier early, and the text after it is a syntax error here."""
    pglast = pytest.importorskip("pglast", reason="pglast is not installed: run `make e2e-deps`")
    query = generate("postgres", Case("t", ["g"], ["error"], label="y", prediction="p"))
    broken = query.replace('"g"', '"g"; DROP TABLE t; --"', 1)
    with pytest.raises(pglast.parser.ParseError):
        pg_tree(broken)


# --- BigQuery: sqlglot ----------------------------------------------------------

BQ_FUNCTIONS = {"Count", "Sum", "Min", "Max", "Cast", "Case", "If", "And", "Or"}


def bq_parse(text):
    sqlglot = pytest.importorskip("sqlglot", reason="sqlglot is not installed: run `make e2e-deps`")
    return sqlglot.parse(text, read="bigquery")


@pytest.mark.parametrize("case", CASES, ids=range(len(CASES)))
def test_bigquery_query_parses_to_the_given_names(case):
    query = generate("bigquery", case)
    from sqlglot import exp
    from sqlglot.tokens import TokenType
    from sqlglot.dialects.bigquery import BigQuery

    statements = bq_parse(query)
    assert len(statements) == 1 and isinstance(statements[0], exp.Select)
    tree = statements[0]
    assert not list(tree.find_all(exp.Subquery, exp.Command, exp.Anonymous))
    functions = {type(f).__name__ for f in tree.find_all(exp.Func)}
    assert functions <= BQ_FUNCTIONS, functions - BQ_FUNCTIONS
    columns = list(tree.find_all(exp.Column))
    ctes = [c.alias for c in tree.find_all(exp.CTE)]
    assert ctes == ["cvar_audit_g", "cvar_audit_m"]
    tables = [[p for p in (t.catalog, t.db, t.name) if p] for t in tree.find_all(exp.Table)
              if t.name not in ctes or t.db]
    strings = [s.this for s in tree.find_all(exp.Literal) if s.is_string]
    casts = list(tree.find_all(exp.Cast))
    assert all(c.to.sql("bigquery") == "FLOAT64" for c in casts)
    if case.threshold is not None and case.binary:
        assert casts and all(float(c.this.sql("bigquery")) == case.threshold for c in casts)
    else:
        assert not casts
    check_names(case, [c.name for c in columns if not c.table], [(c.table, c.name) for c in columns if c.table],
                strings, tables, tree.named_selects)
    # BigQuery refuses a newline in a quoted string or identifier, even after
    # a backslash; sqlglot accepts one, so look at the raw tokens.
    for token in BigQuery().tokenize(query):
        if token.token_type in (TokenType.STRING, TokenType.IDENTIFIER):
            raw = query[token.start:token.end + 1]
            assert "\n" not in raw and "\r" not in raw, raw


def test_bigquery_parser_refuses_broken_quoting():
    """The check can fail: an unescaped backtick ends the identifier early."""
    sqlglot = pytest.importorskip("sqlglot", reason="sqlglot is not installed: run `make e2e-deps`")
    query = generate("bigquery", Case("t", ["g"], ["error"], label="y", prediction="p"))
    broken = query.replace("`g`", "`g`; DROP TABLE t; --`", 1)
    try:
        statements = bq_parse(broken)
    except sqlglot.errors.ParseError:
        return
    assert len(statements) != 1


# --- A real PostgreSQL server ---------------------------------------------------------

class Postgres:
    """A PostgreSQL server of the `pgserver` package's files in a temporary
    directory, on a Unix socket there, run by `initdb` and `pg_ctl` (not by
    pgserver's Python code, which as root adds a system user and opens the
    permissions of the folders above its files, /root among them)."""

    def __init__(self):
        spec = importlib.util.find_spec("pgserver")
        if spec is None or spec.origin is None:
            pytest.skip("pgserver is not installed (a PostgreSQL server on PyPI): run `make e2e-deps`")
        install = Path(spec.origin).parent / "pginstall"
        self.root = Path(tempfile.mkdtemp(prefix="cvar-audit-pg-"))
        self.user = None
        if os.geteuid() == 0:
            # PostgreSQL does not run as root: copy its files where `nobody`
            # can read them, keeping the layout its rpath names
            # ($ORIGIN/../../../pgserver.libs).
            self.user = "nobody"
            copy = self.root / "install" / "pgserver" / "pginstall"
            shutil.copytree(install, copy, symlinks=True, ignore=shutil.ignore_patterns("include", "*.a"))
            libs = install.parent.parent / "pgserver.libs"
            if libs.is_dir():
                shutil.copytree(libs, copy.parent.parent / "pgserver.libs", symlinks=True)
            install = copy
            entry = pwd.getpwnam(self.user)
            for folder, subfolders, files in os.walk(self.root):
                os.lchown(folder, entry.pw_uid, entry.pw_gid)
                for name in subfolders + files:
                    os.lchown(os.path.join(folder, name), entry.pw_uid, entry.pw_gid)
        self.bin = install / "bin"
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "HOME": str(self.root), "PGCLIENTENCODING": "UTF8"}
        self.started = False
        try:
            self.as_server("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                           "--locale=C", "--no-sync")
            self.as_server("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-l", str(self.log),
                           "-o", f"-c listen_addresses='' -k {self.root} -c fsync=off", "start")
            self.started = True
        except subprocess.CalledProcessError as error:
            log = self.log.read_text() if self.log.exists() else ""
            self.stop()
            pytest.fail(f"PostgreSQL did not start: {error.stderr}\n{log}")

    def as_server(self, program, *args):
        return subprocess.run([str(self.bin / program), *args], user=self.user, env=self.env, cwd=self.root,
                              capture_output=True, text=True, check=True, timeout=120)

    def psql(self, command=None, script=None):
        """psql's output of one command (-c) or of a script on standard input."""
        args = [str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.root), "-U", "postgres",
                "-d", "postgres"]
        args += ["-c", command] if command is not None else ["-f", "-"]
        result = subprocess.run(args, input=script, env=self.env, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise AssertionError(f"psql failed ({result.returncode}): {result.stderr}")
        return result.stdout

    def value(self, query):
        return self.psql(f"COPY ({query}) TO STDOUT").rstrip("\n")

    def copy_out(self, query, path):
        """The query's result as CSV with a header, as `COPY ... TO STDOUT` writes it."""
        Path(path).write_text(self.psql(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)"))

    def load(self, table, columns, lines):
        """CREATE TABLE with the (name, type) columns, then the CSV lines (a header first)."""
        spec = ", ".join(f"{pg_quote(name)} {kind}" for name, kind in columns)
        self.psql(script=f"CREATE TABLE {table} ({spec});\nCOPY {table} FROM STDIN WITH (FORMAT csv, HEADER);\n"
                  + "\n".join(lines) + "\n\\.\n")

    def stop(self):
        if self.started:
            try:
                self.as_server("pg_ctl", "-D", str(self.data), "-w", "-m", "fast", "stop")
            except subprocess.CalledProcessError:
                pid_file = self.data / "postmaster.pid"
                if pid_file.exists():
                    os.kill(int(pid_file.read_text().split()[0]), 9)
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)


def pg_quote(name):
    return '"' + name.replace('"', '""') + '"'


@pytest.fixture(scope="module")
def postgres():
    server = Postgres()
    try:
        assert server.value("SELECT current_setting('server_version_num')::int >= 160000") == "t"
        yield server
    finally:
        server.stop()


def test_postgres_reproduces_row_level_audit(data, postgres):
    directory, rows, lines = data
    postgres.psql('CREATE SCHEMA "audit"')
    postgres.load('"audit"."rows"', [(RACE, "TEXT"), (SEX, "TEXT"), ("y", "INTEGER"),
                                     (PREDICTION_COLUMNS["score"], "DOUBLE PRECISION"), (LOSS, "DOUBLE PRECISION")],
                  lines)
    assert postgres.value('SELECT COUNT(*) FROM "audit"."rows"') == str(len(lines) - 1)
    # A qualified name a.b.c: database postgres, schema audit, table rows.
    out = directory / "postgres.csv"
    postgres.copy_out(sql("postgres", "postgres.audit.rows"), out)
    for metric in METRICS:
        assert_same_audit(aggregates_audit(out, metric), row_level_audit(rows, metric))


def test_postgres_hostile_identifiers_are_quoted(data, postgres):
    """Names with quotes, SQL, backslashes, a newline and non-ASCII letters in
    them neither break the query nor run as SQL: the table survives and the
    counts are right."""
    directory, _, _ = data
    group, other_group = 'g"; DROP TABLE "t"; --', 'ü名\nx`"\u0301); DROP TABLE "t"; --'
    label, prediction, loss = "y' OR '1'='1", "p;$$", "lo\\ss'"
    columns = [(group, "TEXT"), (other_group, "TEXT"), (label, "INTEGER"), (prediction, "INTEGER"),
               (loss, "DOUBLE PRECISION")]
    postgres.psql('CREATE SCHEMA "my sch"')
    rows = ["h", "a,u,1,1,0.5", "a,u,0,1,0.25", "b,u,1,0,1", "b,u,1,1,0", "b,v,0,0,0.75"]
    postgres.load('"my sch"."we""ird"', columns, rows)
    postgres.load('"t"', columns, rows)
    query = run("sql", "--dialect", "postgres", "--table", 'my sch.we"ird', "--group-by", f"{group},{other_group}",
                "--label", label, "--prediction", prediction, "--metric", f"error,loss:{loss}").stdout
    out = directory / "postgres_hostile.csv"
    postgres.copy_out(query, out)
    assert postgres.value('SELECT COUNT(*) FROM "t"') == "5"
    common = ["--group-by", f"{group},{other_group}", "--format", "json"]
    errors = json.loads(run("audit", "--aggregates", str(out), "--metric", "error", *common).stdout)
    by_group = {(g["key"][group], g["key"][other_group]): (g["n"], g["sum"]) for g in errors["groups"]}
    assert by_group == {("a", "u"): (2, 1), ("b", "u"): (2, 1), ("b", "v"): (1, 0)}
    losses = json.loads(run("audit", "--aggregates", str(out), "--metric", f"loss:{loss}", *common).stdout)
    by_group = {(g["key"][group], g["key"][other_group]): g["sum"] for g in losses["groups"]}
    assert by_group == {("a", "u"): 0.75, ("b", "u"): 1.0, ("b", "v"): 0.75}


def test_postgres_threshold_is_exact(postgres):
    """The threshold literal is the Double given: a score equal to it is
    predicted 1 and the next smaller Double is predicted 0."""
    postgres.load('"scores"', [("s", "DOUBLE PRECISION"), ("y", "INTEGER"), ("g", "TEXT")], ["h"])
    for threshold in [0.5, 0.0, -0.25, 0.1 + 0.2, 1e-7, 123456.789, 1e20, 5e-324, 2.0 ** 53 + 2]:
        below, above = math.nextafter(threshold, -math.inf), math.nextafter(threshold, math.inf)
        postgres.psql('TRUNCATE "scores"')
        postgres.psql(script='COPY "scores" FROM STDIN WITH (FORMAT csv);\n'
                      + "".join(f"{repr(s)},1,a\n" for s in (below, threshold, above)) + "\\.\n")
        query = run("sql", "--dialect", "postgres", "--table", "scores", "--group-by", "g", "--label", "y",
                    "--score", "s", f"--threshold={threshold!r}", "--metric", "fnr").stdout
        result = postgres.psql(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)").split()
        cells = {line.split(",")[1]: float(line.split(",")[3]) for line in result}
        assert cells == {"tn": 0, "fp": 0, "fn": 1, "tp": 2}, (threshold, cells)
