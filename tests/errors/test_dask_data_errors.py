"""Bad data on the Dask engine: every case gives the pandas engine's exit status and message.

A representative part of the catalogue (the fact table's cases: the order lines are what Dask
partitions), each run in-process on both engines; the message must be the same line, word for
word, with no traceback and nothing else on stderr. The Dask runs use the session's cluster
(``tests/conftest.py``); one real process checks what the command line prints.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.errors.conftest import SPEC, Project, RunCli, run_process

distributed = pytest.importorskip("distributed")

LINES = "order_products__prior.csv"
BIG = 2**63  # one more than the largest int64
pytestmark = pytest.mark.slow  # scheduled first (tests/conftest.py)
ENGINES = ("pandas", "dask")


@pytest.fixture(scope="module")
def scheduler(cluster: Any) -> str:
    """The session's local cluster, for the module's Dask runs."""
    return str(cluster.scheduler_address)


def edit_field(project: Project, line: int, field: int, value: bytes, file: str = LINES) -> None:
    """Set one field (0-based) of one line (1-based, the header is line 1) of a data file."""
    path = project.data / file
    lines = path.read_bytes().split(b"\n")
    fields = lines[line - 1].split(b",")
    fields[field] = value
    lines[line - 1] = b",".join(fields)
    path.write_bytes(b"\n".join(lines))


def edit_file(project: Project, change: Callable[[bytes], bytes], file: str = LINES) -> None:
    path = project.data / file
    path.write_bytes(change(path.read_bytes()))


def add_a_field(project: Project) -> None:
    lines = (project.data / LINES).read_bytes().split(b"\n")
    lines[29] = lines[29].replace(b"\r", b"") + b",9"
    (project.data / LINES).write_bytes(b"\n".join(lines))


def truncate(project: Project) -> None:
    edit_file(project, lambda raw: raw.rstrip(b"\n")[:-4])


def big_id_last(project: Project) -> None:
    """Far beyond the rows any reader samples for its types."""
    last = (project.data / LINES).read_bytes().rstrip(b"\n").count(b"\n") + 1
    edit_field(project, last, 1, str(BIG).encode())


def orphans_and_empty_ids(project: Project) -> None:
    """Three order lines of no order, two of no product (empty ids): counted, not errors."""
    for line in (2, 3, 4):
        edit_field(project, line, 0, b"99999999")
    for line in (10, 11):
        edit_field(project, line, 1, b"")


# (id, change, exit status, a piece of the pandas engine's message)
CASES: list[tuple[str, Callable[[Project], None], int, str]] = [
    (
        "text-in-a-number-column",
        lambda p: edit_field(p, 51, 1, b"abc"),
        3,
        "expected numbers but found the text 'abc' on line 51",
    ),
    ("latin-1-byte", lambda p: edit_field(p, 40, 1, b"caf\xe9"), 3, "which is not UTF-8"),
    ("ragged-row", add_a_field, 3, "line 30 has 5 fields where the header has 4"),
    ("nul-byte", lambda p: edit_field(p, 20, 1, b"12\x0034"), 3, "'12\x0034' on line 20"),
    ("id-of-2-63-on-the-last-line", big_id_last, 3, "does not fit in a 64-bit integer"),
    ("truncated", truncate, 3, "fields where the header has 4"),
    ("header-only", lambda p: edit_file(p, lambda raw: raw[: raw.index(b"\n") + 1]), 3, "no rows"),
    ("missing-file", lambda p: (p.data / LINES).unlink(), 3, "no such file"),
]


def run_both(project: Project, run_cli: RunCli, scheduler: str, *args: str) -> dict[str, Any]:
    """The same build on pandas, then on Dask (into out-pandas/ and out-dask/)."""
    common = (project.spec, "--format", "html", "--quiet", *args)
    return {
        "pandas": run_cli(*common, "--output-dir", project.root / "out-pandas"),
        "dask": run_cli(
            *common, "--engine", "dask", "--scheduler", scheduler,
            "--output-dir", project.root / "out-dask",
        ),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("change", "code", "piece"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_dask_gives_the_pandas_engines_status_and_message(
    project: Project,
    run_cli: RunCli,
    scheduler: str,
    change: Callable[[Project], None],
    code: int,
    piece: str,
) -> None:
    change(project)
    runs = run_both(project, run_cli, scheduler, "--no-cache")
    pandas, dask = runs["pandas"], runs["dask"]
    assert pandas.code == code, pandas.err
    assert piece in pandas.err
    assert pandas.err.startswith("reportgen: table '")
    assert pandas.err.count("\n") == 1
    assert (dask.code, dask.err, dask.out) == (pandas.code, pandas.err, pandas.out)


def test_orphans_and_empty_ids_count_the_same_from_the_cached_copy(
    project: Project, run_cli: RunCli, scheduler: str
) -> None:
    """The pandas run caches the cleaned order lines; the Dask workers read that copy: the
    same data-quality section (orphans and empty ids counted). The section tables of both
    engines are compared in tests/engine."""
    orphans_and_empty_ids(project)
    runs = run_both(project, run_cli, scheduler, "--section", "data-quality")
    assert (runs["pandas"].code, runs["dask"].code) == (0, 0), runs["dask"].err
    cache = project.root / ".reportgen-cache"
    assert [p.name for p in cache.glob("order_products-*.parquet")]
    quality = [quality_text(project.root / f"out-{e}" / "basket.html") for e in ENGINES]
    assert quality[0] == quality[1]
    assert "whose order is not in the data −3 " in quality[0], quality[0]


def quality_text(path: Path) -> str:
    """The data-quality section's words and numbers, without markup."""
    html = path.read_text(encoding="utf-8")
    section = html[html.index('id="data-quality"') :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", section))


def test_the_command_line_prints_only_the_message(
    project: Project, run_cli: RunCli, scheduler: str
) -> None:
    """A real process on the session's cluster: stderr is the one line the pandas engine
    prints (no client or worker log, no traceback). Without charts: the chart converter's
    process would only add seconds."""
    project.write_spec(re.sub(r"\n    chart: \{[^\n]*\}", "", SPEC))
    assert "chart:" not in project.spec.read_text(encoding="utf-8")
    edit_field(project, 51, 1, b"abc")
    common = (project.spec, "--format", "html", "--quiet", "--no-cache")
    pandas = run_cli(*common)
    dask = run_process(*common, "--engine", "dask", "--scheduler", scheduler)
    assert pandas.code == 3
    assert "'abc' on line 51" in pandas.err
    assert (dask.code, dask.err) == (pandas.code, pandas.err)
