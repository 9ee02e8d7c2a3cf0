"""Incremental builds: the results cache skips data, sections and charts that did not change."""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest

from reportgen.data.generate import generate
from reportgen.engine.cache_keys import section_dependencies
from reportgen.engine.plan import plan_section
from reportgen.model.params import bind
from reportgen.model.resolve import check_headers
from reportgen.pipeline import BuildOptions, BuildStats, build
from reportgen.spec.load import load_spec
from reportgen.spec.models import AnalysisSection

ROOT = Path(__file__).resolve().parents[1]
TEXT_BEFORE = "(by their highest order number)."
TEXT_AFTER = "(by the highest order number they reached)."
TITLE_BEFORE = "Orders peak at {{"
TITLE_AFTER = "Ordering peaks at {{"
SLUG = "instacart-basket-analysis"
pytestmark = pytest.mark.slow  # scheduled first (tests/conftest.py)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, BuildStats]:
    """One first build (its outputs and .reportgen-cache), kept as a snapshot: the project's
    folder, the snapshot's folder and the first build's stats. The caches key data files by
    their resolved path, so each test gets the snapshot back at the same path (``project``)."""
    folder = tmp_path_factory.mktemp("incremental")
    project, snapshot = folder / "project", folder / "snapshot"
    generate(project / "data", customers=400, seed=2, progress=False)
    shutil.copy(ROOT / "report.yaml", project / "report.yaml")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1700000000")
        patch.delenv("REPORTGEN_NO_RESULTS_CACHE", raising=False)
        first, _ = run(project)
    shutil.copytree(project, snapshot)
    return project, snapshot, first


@pytest.fixture
def project(built: tuple[Path, Path, BuildStats], monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project as the first build left it (data, spec, output/ and its caches)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.delenv("REPORTGEN_NO_RESULTS_CACHE", raising=False)
    folder, snapshot, _ = built
    shutil.rmtree(folder)
    shutil.copytree(snapshot, folder)
    return folder


def run(project: Path, out: str = "output", *, use_cache: bool = True) -> tuple[BuildStats, Path]:
    stats = BuildStats()
    options = BuildOptions(
        formats=("html",), output_dir=project / out, use_cache=use_cache, quiet=True
    )
    files = build(project / "report.yaml", options, stats=stats)
    return stats, files["html"]


def outputs(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def edit(spec: Path, old: str, new: str) -> None:
    text = spec.read_text(encoding="utf-8")
    assert old in text
    spec.write_text(text.replace(old, new), encoding="utf-8")


def analysis_count(project: Path) -> int:
    spec = load_spec(project / "report.yaml").spec
    return sum(isinstance(s, AnalysisSection) for s in spec.sections)


def test_second_build_loads_no_data_and_computes_nothing(
    project: Path, built: tuple[Path, Path, BuildStats]
) -> None:
    first = built[2]
    assert first.data_loaded
    assert first.sections_computed == analysis_count(project)
    assert first.charts_rendered > 0
    before = outputs(project / "output")
    second, _ = run(project)
    assert (second.sections_computed, second.charts_rendered, second.data_loaded) == (0, 0, False)
    assert outputs(project / "output") == before


def test_text_edit_renders_nothing_and_changes_only_that_text(project: Path) -> None:
    before = (project / "output" / f"{SLUG}.html").read_text(encoding="utf-8")
    edit(project / "report.yaml", TEXT_BEFORE, TEXT_AFTER)
    stats, html = run(project)
    assert (stats.sections_computed, stats.charts_rendered, stats.data_loaded) == (0, 0, False)
    after = html.read_text(encoding="utf-8")
    changed = [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert changed
    assert all(TEXT_BEFORE in line or TEXT_AFTER in line for line in changed), changed


def test_chart_title_edit_renders_one_chart(project: Path) -> None:
    edit(project / "report.yaml", TITLE_BEFORE, TITLE_AFTER)
    stats, html = run(project)
    assert (stats.sections_computed, stats.charts_rendered, stats.data_loaded) == (0, 1, False)
    assert "Ordering peaks at" in html.read_text(encoding="utf-8")


def test_changed_products_recompute_exactly_the_sections_that_read_them(project: Path) -> None:
    loaded = bind(load_spec(project / "report.yaml"))  # parameters at their defaults
    model, _ = check_headers(loaded)
    readers = {
        s.id
        for s in loaded.spec.sections
        if isinstance(s, AnalysisSection)
        and "products" in section_dependencies(model, plan_section(model, s))[0]
    }
    assert 0 < len(readers) < analysis_count(project)
    products = project / "data" / "products.csv"
    lines = products.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    row = lines[1].rstrip("\n").split(",")
    price = header.index("prices")
    row[price] = f"{float(row[price]) + 1:.1f}"
    lines[1] = ",".join(row) + "\n"
    products.write_text("".join(lines), encoding="utf-8")
    stamp = products.stat().st_mtime_ns + 5_000_000_000
    os.utime(products, ns=(stamp, stamp))
    stats, _ = run(project)
    assert stats.data_loaded
    assert stats.sections_computed == len(readers)
    fresh, _ = run(project, "fresh", use_cache=False)
    assert outputs(project / "output") == outputs(project / "fresh")
    assert fresh.sections_computed == analysis_count(project)


def test_cached_build_equals_a_no_cache_build(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached, _ = run(project)
    assert not cached.data_loaded
    fresh, _ = run(project, "fresh", use_cache=False)
    assert fresh.data_loaded
    assert fresh.sections_computed == analysis_count(project)
    assert outputs(project / "output") == outputs(project / "fresh")
    monkeypatch.setenv("REPORTGEN_NO_RESULTS_CACHE", "1")
    bypassed, _ = run(project, "bypassed")
    assert bypassed.data_loaded
    assert bypassed.sections_computed == analysis_count(project)
    assert outputs(project / "output") == outputs(project / "bypassed")
