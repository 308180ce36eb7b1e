"""The examples of the README and of docs/ are real, their links resolve, and the
notebooks show the docs' numbers. "The docs" below are README.md and every
docs/**/*.md page, read in that order (README first, then the pages sorted).

1. Every example in the docs written as `$ cvar-audit ...` followed by its output
   is run with the built binary (.build/debug/cvar-audit; `make test` builds
   it first) and its output must contain the README's lines verbatim, in
   order. A README line `...` stands for lines left out.
2. The sequential example (the shuffled COMPAS file and `monitor`) is run as
   the README writes it, with the embedded COMPAS data as `compas.csv`.
3. The numbers the committed notebooks show (they were executed with a full
   run: Notebooks/run_notebooks.py re-executes them in quick mode in
   `make test`, without writing them back) equal the README's: the COMPAS
   audit summary and test p-values, the plan at K = 40, the scaling study's
   n* and slopes, and the monitor's decision line.

The scaling study itself (51 s in a release build) is not re-run here: its
README table is compared with the notebook's committed output of the same
command.
"""
import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / ".build" / "debug" / "cvar-audit"
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
TEXTS = {page: page.read_text() for page in PAGES}
# The docs as one text, for the numbers looked up by a marker (the first match wins).
README = "\n\n".join(TEXTS.values())
COMPAS = ROOT / "Sources" / "CVaRAudit" / "Resources" / "compas-two-years.csv"


def require_binary():
    if not BINARY.exists():
        pytest.fail(f"{BINARY} is missing: run `swift build` first (make test does)")


def readme_examples():
    """(page, command, expected output lines) for every `$ cvar-audit` example
    of the docs, in fenced blocks or indented by four spaces."""
    return [(page, command, output) for page, text in TEXTS.items() for command, output in page_examples(text)]


def page_examples(text):
    """(command, expected output lines) for every `$ cvar-audit` example of one page."""
    examples = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        match = re.match(r"^( {4}|)\$ (cvar-audit .*)$", line)
        if not match:
            i += 1
            continue
        indent, command = match.groups()
        output = []
        i += 1
        while i < len(lines):
            body = lines[i]
            if indent:
                if body and not body.startswith(indent):
                    break
                if not body and (i + 1 >= len(lines) or not lines[i + 1].startswith(indent)):
                    break
                output.append(body[len(indent):])
            else:
                if body.startswith("```"):
                    break
                output.append(body)
            i += 1
        while output and not output[-1].strip():
            output.pop()
        examples.append((command, output))
    return examples


def chunks(expected):
    """The expected lines split at `...` lines (each chunk must appear in order)."""
    parts, current = [], []
    for line in expected:
        if line.strip() == "...":
            parts.append(current)
            current = []
        else:
            current.append(line)
    parts.append(current)
    return [p for p in parts if p]


def contains_in_order(actual, expected):
    """Every chunk of `expected` is a run of consecutive lines of `actual`,
    the chunks in order; returns the first chunk not found, or None."""
    position = 0
    for chunk in chunks(expected):
        found = None
        for start in range(position, len(actual) - len(chunk) + 1):
            if actual[start:start + len(chunk)] == chunk:
                found = start
                break
        if found is None:
            return chunk
        position = found + len(chunk)
    return None


EXAMPLES = readme_examples()


def test_readme_has_examples():
    # The audit, test (two) and plan examples at least: a parser that finds none must fail.
    assert len(EXAMPLES) >= 4, [c for _, c, _ in EXAMPLES]
    # The front page has its quick-start examples, and the guides theirs.
    pages = {page.relative_to(ROOT).as_posix() for page, _, _ in EXAMPLES}
    assert {"README.md", "docs/guide/audit.md", "docs/guide/test.md", "docs/guide/plan.md"} <= pages, pages


def github_anchor(heading):
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def page_anchors(text):
    anchors, fenced = set(), False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"^#{1,6} (.*)$", line)):
            anchors.add(github_anchor(m.group(1)))
    return anchors


def test_docs_links_resolve():
    """Every relative link of the docs names a file of the repository (and, with a #fragment,
    a heading of that page); no page cites a file the repository does not hold."""
    checked = 0
    for page, text in TEXTS.items():
        body = re.sub(r"```.*?```", "", text, flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", body):
            if re.match(r"^[a-z]+:", target):
                continue
            path, _, fragment = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page
            assert resolved.exists(), f"{page.relative_to(ROOT)}: link to {target}: no such file"
            if fragment and resolved.suffix == ".md":
                assert fragment in page_anchors(resolved.read_text()), \
                    f"{page.relative_to(ROOT)}: link to {target}: no such heading"
            checked += 1
        assert "METHOD.md" not in text, f"{page.relative_to(ROOT)} cites METHOD.md, which is not in the repository"
    assert checked >= 10, checked


def test_readme_is_a_front_page():
    # The user guide lives in docs/: the README stays short.
    assert len(TEXTS[ROOT / "README.md"].splitlines()) <= 250


@pytest.mark.parametrize("page,command,expected", EXAMPLES,
                         ids=[f"{p.relative_to(ROOT).as_posix()}: {c}" for p, c, _ in EXAMPLES])
def test_readme_example_output_is_real(page, command, expected):
    require_binary()
    arguments = shlex.split(command)[1:]
    result = subprocess.run([str(BINARY), *arguments], capture_output=True, text=True, cwd=ROOT)
    # An example of an error shows its message: exit status 2 (bad input) and the text on stderr.
    fails = bool(expected) and expected[0].startswith("cvar-audit: error:")
    assert result.returncode == (2 if fails else 0), result.stderr
    actual = [line.rstrip() for line in (result.stderr if fails else result.stdout).splitlines()]
    missing = contains_in_order(actual, [line.rstrip() for line in expected])
    assert missing is None, (
        f"{page.relative_to(ROOT)}: output of `{command}` differs from the program's; first chunk not found:\n"
        + "\n".join(missing) + "\n--- actual output:\n" + result.stdout)


def fenced_block_after(marker, skip=0):
    """The first fenced block (after `skip` others) that opens after the line
    holding `marker`, as lines; never empty."""
    start = README.index(marker)
    lines = README[README.index("\n", start) + 1:].splitlines()
    blocks, opened = [], None
    for i, line in enumerate(lines):
        if line.startswith("```"):
            if opened is None:
                opened = i
            else:
                blocks.append(lines[opened + 1:i])
                opened = None
                if len(blocks) > skip:
                    assert blocks[skip], f"empty block after {marker!r}"
                    return blocks[skip]
    raise AssertionError(f"no fenced block after {marker!r}")


def test_readme_monitor_example_is_real(tmp_path):
    """The shuffle and `monitor` command of the README, run as written (bash,
    GNU shuf with a fixed random source), give the README's output."""
    require_binary()
    script = fenced_block_after("fed in a fixed shuffled order")
    expected = fenced_block_after("fed in a fixed shuffled order", skip=1)
    (tmp_path / "compas.csv").write_bytes(COMPAS.read_bytes())
    command = "\n".join(script).replace("cvar-audit ", f"{BINARY} ", 1)
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    actual = [line.rstrip() for line in result.stdout.splitlines()]
    missing = contains_in_order(actual, [line.rstrip() for line in expected])
    assert missing is None, "\n".join(missing) + "\n--- actual:\n" + result.stdout


# --------------------------------------------------------------------------- notebooks


def notebook_text(name):
    """All text outputs of a committed notebook's code cells, joined."""
    document = json.loads((ROOT / "Notebooks" / name).read_text())
    texts = []
    for cell in document["cells"]:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                texts.append("".join(output["text"]))
            elif "data" in output and "text/plain" in output["data"]:
                texts.append("".join(output["data"]["text/plain"]))
    return "\n".join(texts)


def number(text):
    return float(text.replace(",", "").replace("+", ""))


def test_notebook_compas_numbers_match_readme():
    text = notebook_text("01-compas-audit.ipynb")
    assert "quick mode" not in text.lower() or "OFF" in text
    # Summary of `audit --metric fpr --alpha 0.2`: the notebook's fpr column.
    cvar = re.search(r"CVaR_0\.2 of disparities\s+(\S+)", text).group(1)
    low = re.search(r"simultaneous 95% interval, low\s+(\S+)", text).group(1)
    high = re.search(r"simultaneous 95% interval, high\s+(\S+)", text).group(1)
    gap = re.search(r"max gap\s+(\S+)", text).group(1)
    readme_cvar = re.search(r"CVaR_0\.2 of disparities\s+(\S+)", README).group(1)
    readme_interval = re.search(r"simultaneous 95% interval\s+\[(\S+), (\S+)\]", README).groups()
    readme_gap = re.search(r"max gap \(max disparity\)\s+(\S+)", README).group(1)
    assert number(cvar) == number(readme_cvar)
    assert (number(low), number(high)) == tuple(number(x) for x in readme_interval)
    assert number(gap) == number(readme_gap)
    # p-values of `test --metric fnr` and the joint test of `test --metric fpr,fnr --seed 1`.
    fnr = re.search(r"fnr \(l2, seed 0\)\s+(\S+)\s+(\S+)", text)
    joint = re.search(r"joint over fpr, fnr \(seed 1\)\s+(\S+)\s+(\S+)", text)
    readme_fnr = re.search(r"l2 \(Σ w̃ U_g\) = (\S+)\n.*\n\s+p-value\s+(\S+)", README)
    readme_joint = re.search(r"statistic = (\S+), p-value (\S+) \(B", README)
    assert abs(number(fnr.group(1)) - number(readme_fnr.group(1))) < 1e-6
    assert number(fnr.group(2)) == number(readme_fnr.group(2))
    assert abs(number(joint.group(1)) - number(readme_joint.group(1))) < 1e-4
    assert number(joint.group(2)) == number(readme_joint.group(2))


def readme_plan_rows():
    block = "\n".join(fenced_block_after("`--simulate` adds the empirical sample complexity n*"))
    rows = {}
    for name in ["max gap, i.i.d.", "CVaR L2, i.i.d.", "CVaR L2, stratified", "CVaR L2, two-stage"]:
        line = next(l for l in block.splitlines() if l.startswith(name))
        # The last six columns: bound, ε at n, n*, bound/n*, power, type I.
        rows[name] = [number(x) for x in re.findall(r"\d[\d,]*(?:\.\d+)?", line)[-6:]]
    return rows


def test_notebook_plan_and_scaling_match_readme():
    text = notebook_text("02-sample-complexity.ipynb")
    assert "quick mode: OFF (full run)" in text, "the committed notebook must come from a full run"
    # The plan at K = 40: bound, ε at n = 20,000, n*, as in the README's table.
    for name, values in readme_plan_rows().items():
        line = next(l for l in text.splitlines() if l.startswith(name))
        shown = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", line)[-6:]]
        assert shown[:3] == values[:3], (name, shown, values)
    # The scaling study: n* per K and design, and the slopes.
    table = "\n".join(fenced_block_after("`.build/release/cvar-audit simulate scaling`, the run took"))
    readme_nstar = {}
    for line in table.splitlines():
        fields = line.split()
        if len(fields) >= 11 and fields[0].isdigit():
            design = {"max-gap": "max gap", "iid": "CVaR L2, i.i.d.", "two-stage": "CVaR L2, two-stage"}
            key = design["max-gap"] if fields[6] == "max-gap" else design[fields[8]]
            readme_nstar[(int(fields[0]), key)] = int(number(fields[10]))
    assert len(readme_nstar) == 24
    pivot = text[text.index("design  CVaR L2, i.i.d.  CVaR L2, two-stage  max gap"):]
    notebook_nstar = {}
    for line in pivot.splitlines()[2:10]:
        k, iid, two_stage, gap = (int(x) for x in line.split())
        notebook_nstar[(k, "CVaR L2, i.i.d.")] = iid
        notebook_nstar[(k, "CVaR L2, two-stage")] = two_stage
        notebook_nstar[(k, "max gap")] = gap
    assert notebook_nstar == readme_nstar
    for test, sampler, alternative in [("max-gap", "iid", "single"), ("l2", "iid", "flat-tail"),
                                       ("l2", "two-stage", "flat-tail")]:
        readme_slope = re.search(rf"{test} / {sampler} / {alternative}: (\S+)", table).group(1)
        notebook_slope = re.search(rf"{test}\s+{sampler}\s+{alternative}\s+(\S+)", text).group(1)
        assert number(readme_slope) == number(notebook_slope), (test, sampler)


def test_notebook_monitor_matches_readme():
    text = notebook_text("03-sequential-audit.ipynb")
    found = re.search(r"decision: (\w+) at line (\d+) of the input, after (\d+) observations; "
                      r"CVaR (\S+) in \[(\S+), (\S+)\]", text)
    assert found, "the notebook's monitor decision line is missing"
    decision, line, observations, cvar, low, high = found.groups()
    block = "\n".join(fenced_block_after("fed in a fixed shuffled order", skip=1))
    assert decision.upper() in block
    assert re.search(rf"decided at\s+line {line} of the input", block)
    assert re.search(rf"observations\s+({observations}|{int(observations):,})\n", block)
    def signed(x):
        return x if x.startswith("-") else "+" + x
    assert re.search(rf"estimate\s+{re.escape(signed(cvar))}", block)
    assert f"[{signed(low)}, {signed(high)}]" in block
