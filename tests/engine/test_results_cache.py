"""Result-cache keys: what changes a section's key and what does not; corrupt entries are misses."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

from reportgen.data.cache import fingerprint
from reportgen.data.files import resolve_files
from reportgen.data.generate import generate
from reportgen.engine.plan import plan_section
from reportgen.engine.results_cache import ResultsCache, section_dependencies, section_key
from reportgen.pipeline import _check_headers
from reportgen.spec.load import load_spec
from reportgen.spec.models import AnalysisSection

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("results")
    generate(folder / "data", customers=200, seed=3, progress=False)
    return folder


def keys(folder: Path, spec_text: str) -> dict[str, str]:
    (folder / "report.yaml").write_text(spec_text, encoding="utf-8")
    loaded = load_spec(folder / "report.yaml")
    model, _ = _check_headers(loaded)
    prints = {
        name: fingerprint(table, resolve_files(name, table, loaded.base_dir))
        for name, table in loaded.spec.data.items()
    }
    return {
        s.id: section_key(model, plan_section(model, s), prints)
        for s in loaded.spec.sections
        if isinstance(s, AnalysisSection)
    }


def project(data: Path, tmp_path: Path) -> Path:
    shutil.copytree(data / "data", tmp_path / "data")
    return tmp_path


def test_text_and_chart_title_edits_keep_every_key(data: Path, tmp_path: Path) -> None:
    folder = project(data, tmp_path)
    text = (ROOT / "report.yaml").read_text(encoding="utf-8")
    before = keys(folder, text)
    edited = text.replace(
        "Midweek days are the quiet window", "Midweek days are the quietest window"
    ).replace("Orders peak at {{", "Ordering peaks at {{")
    assert edited != text
    assert keys(folder, edited) == before


def test_query_edit_changes_only_that_section(data: Path, tmp_path: Path) -> None:
    folder = project(data, tmp_path)
    text = (ROOT / "report.yaml").read_text(encoding="utf-8")
    before = keys(folder, text)
    edited = text.replace("sort: -order_lines, top: 11,", "sort: -order_lines, top: 9,")
    after = keys(folder, edited)
    assert [sid for sid in before if before[sid] != after[sid]] == ["departments"]


def test_data_file_change_changes_exactly_the_sections_that_read_it(
    data: Path, tmp_path: Path
) -> None:
    folder = project(data, tmp_path)
    text = (ROOT / "report.yaml").read_text(encoding="utf-8")
    before = keys(folder, text)
    products = folder / "data" / "products.csv"
    stat = products.stat()
    os.utime(products, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    after = keys(folder, text)
    changed = {sid for sid in before if before[sid] != after[sid]}
    loaded = load_spec(folder / "report.yaml")
    model, _ = _check_headers(loaded)
    readers = {
        s.id
        for s in loaded.spec.sections
        if isinstance(s, AnalysisSection)
        and "products" in section_dependencies(model, plan_section(model, s))[0]
    }
    assert changed == readers
    assert "orders-by-day" not in readers  # orders and customers only
    assert "departments" in readers


def test_store_and_corrupt_entries(tmp_path: Path) -> None:
    cache = ResultsCache(tmp_path / "results")
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    assert cache.get("section", "k") is None
    cache.put("section", "k", frame)
    assert cache.get("section", "k").equals(frame)
    (tmp_path / "results" / "section-k.pkl").write_bytes(b"not a pickle")
    assert cache.get("section", "k") is None
    assert (cache.hits, cache.misses) == (1, 2)
    assert not list((tmp_path / "results").glob("*.tmp"))


def test_prune_removes_stale_and_excess_entries_but_never_this_builds(tmp_path: Path) -> None:
    store = ResultsCache(tmp_path / "results")
    now = time.time()
    day = 86400.0
    for name, age_days in (("old", 30), ("recent", 1), ("used", 40)):
        store.put("section", name, {"payload": "x" * 1000})
        os.utime(store._path("section", name), (now - age_days * day, now - age_days * day))
    later = ResultsCache(tmp_path / "results")
    assert later.get("section", "used") is not None  # used by this build: kept, whatever its age
    assert later.prune(now) == 1
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == [
        "section-recent.pkl",
        "section-used.pkl",
    ]
    later.MAX_BYTES = 1500  # room for one entry: the least recently used unused one goes
    later.put("section", "new", {"payload": "y" * 1000})
    assert later.prune(now) == 1
    assert not (tmp_path / "results" / "section-recent.pkl").exists()
    assert (tmp_path / "results" / "section-new.pkl").exists()
    assert (tmp_path / "results" / "section-used.pkl").exists()
