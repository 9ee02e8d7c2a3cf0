"""Fuzzing: mutated specs and data files never crash, hang, lose the previous report or write
outside the output and cache folders.

Each example is a real ``python -m reportgen`` process on a fresh copy of the catalogue's small
project, with one mutation of the spec or of one data file (random bytes, encodings, line endings,
huge, empty or extreme fields, truncation). It must exit 0, 2, 3 or 4 without a traceback; when it
fails, the previous report in output/ is byte-identical; nothing outside output/ and
.reportgen-cache/ changes; it finishes within a time limit and a memory bound.

``make test`` runs a few derandomized examples (fixed seed, < 30 s); ``make fuzz`` runs new seeds
for ten minutes (REPORTGEN_FUZZ=1, see the Makefile).
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.errors.conftest import (
    DATA_FILES,
    PREVIOUS,
    SPEC,
    Project,
    assert_nothing_lost,
    run_process,
)

FUZZ = os.environ.get("REPORTGEN_FUZZ", "") not in ("", "0")
EXAMPLES = 25 if FUZZ else 3
TIME_LIMIT_S = 150
pytestmark = pytest.mark.slow  # scheduled first (tests/conftest.py)
MEMORY_LIMIT = 3 * 1024**3
ALLOWED_CODES = {0, 2, 3, 4}
FORMATS = ("--format", "html", "--format", "pdf") if FUZZ else ("--format", "html")

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not FUZZ,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Values that broke parsers, formatters and renderers somewhere.
NASTY = [
    "",
    "0",
    "-1",
    "1e308",
    "-1e308",
    "9223372036854775808",
    "18446744073709551616",
    "nan",
    "inf",
    "Other",
    "None",
    "null",
    "true",
    "../../escape",
    "/etc/passwd",
    "{{ 9 ** 9 }}",
    "{% for i in range(99999999) %}x{% endfor %}",
    "{:>8000000000}",
    "'",
    '"',
    "{",
    "[",
    "&anchor",
    "*anchor",
    "<<",
    ":",
    '=HYPERLINK("http://x")',
    "<script>alert(1)</script>",
    "\x00",
    "\x1b[31m",
    "é" * 300,
    "x" * 20_000,
    "1,000",
    "2017-01-01",
    "department",
    "share(order_lines, within=department)",
]

SPEC_TOKEN = re.compile(r"[A-Za-z_]+|\d+")


@st.composite
def spec_mutation(draw: st.DrawFn) -> tuple[str, Callable[[str], str]]:
    kind = draw(st.sampled_from(["token", "delete", "duplicate", "insert", "truncate"]))
    tokens = list(SPEC_TOKEN.finditer(SPEC))
    lines = SPEC.splitlines(keepends=True)
    if kind == "token":
        match = draw(st.sampled_from(tokens))
        value = draw(st.sampled_from(NASTY))
        return (
            f"token {match.group()!r}@{match.start()} -> {value[:40]!r}",
            lambda s: s[: match.start()] + value + s[match.end() :],
        )
    if kind in ("delete", "duplicate"):
        index = draw(st.integers(0, len(lines) - 1))
        times = 0 if kind == "delete" else 2
        return f"{kind} line {index + 1}", lambda s: "".join(
            lines[:index] + [lines[index]] * times + lines[index + 1 :]
        )
    position = draw(st.integers(0, len(SPEC)))
    if kind == "truncate":
        return f"truncate at {position}", lambda s: s[:position]
    text = draw(st.text(max_size=30))
    return f"insert {text!r} at {position}", lambda s: s[:position] + text + s[position:]


@st.composite
def data_mutation(draw: st.DrawFn) -> tuple[str, str, Callable[[bytes], bytes]]:
    name = draw(st.sampled_from(DATA_FILES))
    kind = draw(
        st.sampled_from(
            ["bytes", "crlf", "cr", "latin1", "utf16", "field", "header", "truncate", "empty"]
        )
    )
    if kind == "bytes":
        blob = draw(st.binary(min_size=1, max_size=24))
        where = draw(st.floats(0, 1))
        return name, f"insert {blob!r} at {where:.3f}", lambda b: _insert(b, where, blob)
    if kind == "crlf":
        return (
            name,
            "CRLF line endings",
            lambda b: b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"),
        )
    if kind == "cr":
        return (
            name,
            "CR-only line endings",
            lambda b: b.replace(b"\r\n", b"\n").replace(b"\n", b"\r"),
        )
    if kind == "latin1":
        return name, "Latin-1 with a non-ASCII name", lambda b: _latin1(b)
    if kind == "utf16":
        return name, "UTF-16", lambda b: b.decode("utf-8", "replace").encode("utf-16")
    if kind == "field":
        row = draw(st.integers(1, 50))
        column = draw(st.integers(0, 12))
        value = draw(st.sampled_from(NASTY))
        return (
            name,
            f"field {row}:{column} -> {value[:40]!r}",
            lambda b: _field(b, row, column, value),
        )
    if kind == "header":
        action = draw(st.sampled_from(["drop", "repeat", "space", "upper"]))
        return name, f"header {action}", lambda b: _header(b, action)
    if kind == "truncate":
        where = draw(st.floats(0, 1))
        return name, f"truncate at {where:.3f}", lambda b: b[: int(len(b) * where)]
    return name, "empty file", lambda b: b""


def _insert(data: bytes, where: float, blob: bytes) -> bytes:
    at = int(len(data) * where)
    return data[:at] + blob + data[at:]


def _latin1(data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    lines = text.split("\n")
    if len(lines) > 2:
        lines[1] = lines[1].replace(",", ",Crème brûlée ", 1)
    return "\n".join(lines).encode("latin-1", "replace")


def _field(data: bytes, row: int, column: int, value: str) -> bytes:
    lines = data.decode("utf-8", "replace").split("\n")
    if len(lines) < 2:
        return data
    index = 1 + row % max(1, len(lines) - 2)
    cells = lines[index].split(",")
    cells[column % len(cells)] = value
    lines[index] = ",".join(cells)
    return "\n".join(lines).encode("utf-8", "surrogatepass")


def _header(data: bytes, action: str) -> bytes:
    head, _, rest = data.partition(b"\n")
    if action == "drop":
        return rest
    if action == "repeat":
        return head + b"\n" + head + b"\n" + rest
    if action == "space":
        return head.replace(b",", b" ,") + b"\n" + rest
    return head.upper() + b"\n" + rest


# ---- the property --------------------------------------------------------------------------------


def _snapshot(project: Project) -> dict[str, tuple[int, int]]:
    """Every file around the project except its output/ and .reportgen-cache/, with its size
    and modification time."""
    seen = {}
    around = project.root.parent
    for path in around.rglob("*"):
        relative = path.relative_to(around)
        inside = relative.parts[0] == project.root.name and len(relative.parts) > 1
        if (inside and relative.parts[1] in ("output", ".reportgen-cache")) or not path.is_file():
            continue
        stat = path.stat()
        seen[str(relative)] = (stat.st_size, stat.st_mtime_ns)
    return seen


def _fresh_project(dataset: Path, workspace: Path, seed_cache: Callable[[Path], None]) -> Project:
    """A copy of the catalogue's project, the font rules and the Vega runtime cached as an
    earlier build left them (making them took each process seconds)."""
    root = Path(tempfile.mkdtemp(dir=workspace))
    seed_cache(root)
    (root / "data").mkdir()
    for name in DATA_FILES:
        shutil.copyfile(dataset / name, root / "data" / name)
    project = Project(root)
    project.write_spec(SPEC)
    return project


def _check_build(project: Project, what: str) -> None:
    previous = project.place_previous()
    before = _snapshot(project)
    try:
        run = run_process(project.spec, "--quiet", *FORMATS, timeout=TIME_LIMIT_S)
    except Exception as error:  # subprocess.TimeoutExpired
        pytest.fail(f"{what}: no answer within {TIME_LIMIT_S} s ({error})")
    assert run.code in ALLOWED_CODES, f"{what}: exit {run.code}\n{run.err[-3000:]}"
    assert "Traceback" not in run.err + run.out, f"{what}:\n{run.err[-3000:]}"
    if run.code != 0:
        assert_nothing_lost(project, previous)
    else:
        assert (project.output / "basket.html").read_bytes() != PREVIOUS["basket.html"]
    after = _snapshot(project)
    assert after == before, f"{what}: files outside output/ and the cache changed"
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    assert peak < MEMORY_LIMIT, f"{what}: a build used {peak / 1024**3:.1f} GiB"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ_SETTINGS
@given(mutation=spec_mutation())
def test_mutated_spec(
    dataset: Path,
    workspace: Path,
    seed_cache: Callable[[Path], None],
    mutation: tuple[str, Callable[[str], str]],
) -> None:
    what, change = mutation
    project = _fresh_project(dataset, workspace, seed_cache)
    project.write_spec(change(SPEC))
    _check_build(project, f"spec: {what}")
    shutil.rmtree(project.root, ignore_errors=True)


@FUZZ_SETTINGS
@given(mutation=data_mutation())
def test_mutated_data(
    dataset: Path,
    workspace: Path,
    seed_cache: Callable[[Path], None],
    mutation: tuple[str, str, Callable[[bytes], bytes]],
) -> None:
    name, what, change = mutation
    project = _fresh_project(dataset, workspace, seed_cache)
    path = project.data / name
    path.write_bytes(change(path.read_bytes()))
    _check_build(project, f"{name}: {what}")
    shutil.rmtree(project.root, ignore_errors=True)
