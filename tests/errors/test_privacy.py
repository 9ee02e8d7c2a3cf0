"""Private columns (customers' names) never reach an output, a log, or an error message."""

from __future__ import annotations

import csv
import logging
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pypdf import PdfReader

from reportgen import cli
from tests.errors.conftest import DATA_FILES, SPEC, Project, RunCli, assert_clean_failure

_DATA_URI = re.compile(r"data:[^\"')\s]+")
pytestmark = pytest.mark.slow  # scheduled first (tests/conftest.py)


@dataclass(frozen=True)
class Outputs:
    project: Project
    names: list[str]
    texts: dict[str, str]


def _private_names(project: Project) -> list[str]:
    """Up to 200 first names and surnames that are not words found elsewhere in the data."""
    with (project.data / "customers.csv").open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    public = " ".join(
        (project.data / name).read_text(encoding="utf-8").lower()
        for name in ("products.csv", "departments.csv")
    )
    public += " " + " ".join(
        v.lower() for row in rows for k, v in row.items() if k not in ("First Name", "Surnam")
    )
    public += " " + SPEC.lower()
    names = sorted({row["Surnam"] for row in rows} | {row["First Name"] for row in rows})
    chosen = [n for n in names if len(n) >= 4 and n.lower() not in public]
    assert len(chosen) >= 100
    return chosen[:200]


def _as_word(name: str, text: str) -> bool:
    """Whether ``name`` is in ``text`` as a whole word (the plain search first: the word
    search over a whole report, once per name, took seconds)."""
    return name in text and re.search(rf"\b{re.escape(name)}\b", text) is not None


@pytest.fixture(scope="module")
def outputs(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    project = Project(tmp_path_factory.mktemp("private"))
    project.data.mkdir()
    for name in DATA_FILES:
        shutil.copyfile(dataset / name, project.data / name)
    project.write_spec(SPEC)
    names = _private_names(project)

    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep(level=logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    previous_level = root.level
    root.setLevel(logging.DEBUG)
    with pytest.MonkeyPatch.context() as patch:
        import io
        import sys

        out, err = io.StringIO(), io.StringIO()
        patch.setattr(sys, "stderr", err)
        try:
            code = cli.main([str(project.spec)], stdout=out)
        finally:
            root.removeHandler(handler)
            root.setLevel(previous_level)
    assert code == 0, err.getvalue()
    texts = {"stdout": out.getvalue(), "stderr": err.getvalue(), "logs": "\n".join(records)}
    texts["html"] = _DATA_URI.sub("", (project.output / "basket.html").read_text(encoding="utf-8"))
    reader = PdfReader(project.output / "basket.pdf")
    texts["pdf"] = "\n".join(page.extract_text() for page in reader.pages)
    texts["pdf metadata"] = str(reader.metadata)
    for path in (project.output / "basket-data").glob("*.csv"):
        texts[path.name] = path.read_text(encoding="utf-8")
    return Outputs(project, names, texts)


def test_every_output_was_read(outputs: Outputs) -> None:
    assert {"html", "pdf", "departments.csv", "loyalty.csv", "top-products.csv"} <= set(
        outputs.texts
    )


@pytest.mark.parametrize(
    "where",
    [
        "html",
        "pdf",
        "pdf metadata",
        "departments.csv",
        "loyalty.csv",
        "top-products.csv",
        "stdout",
        "stderr",
        "logs",
    ],
)
def test_no_private_name_anywhere(outputs: Outputs, where: str) -> None:
    text = outputs.texts[where]
    found = [name for name in outputs.names if _as_word(name, text)]
    assert found == []


def test_the_cache_holds_no_private_column(outputs: Outputs) -> None:
    cached = list((outputs.project.root / ".reportgen-cache").glob("customers-*.parquet"))
    assert cached
    for path in cached:
        assert not {"First Name", "Surnam"} & set(pq.read_schema(path).names)


def test_private_column_used_by_a_metric(project: Project, run_cli: RunCli) -> None:
    """An error about a private column names the column, never a value of it."""
    project.edit_spec(
        "  orders: {expr: count(orders)",
        "  names: {expr: count_distinct(customers.Surnam), label: Names}\n  orders: {expr: count(orders)",
    )
    run = run_cli(project.spec, "--format", "html")
    assert_clean_failure(run, 2, "'Surnam' is private")
    names = _private_names(project)
    assert [n for n in names if n in run.err] == []


def test_the_search_would_find_a_leak(outputs: Outputs) -> None:
    """Control: the same search finds the names in the customers file itself."""
    text = (outputs.project.data / "customers.csv").read_text(encoding="utf-8")
    assert all(_as_word(name, text) for name in outputs.names)
