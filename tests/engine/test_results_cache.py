"""Result-cache keys: what changes a section's key and what does not; corrupt entries are misses."""

from __future__ import annotations

import os
import pickle
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from reportgen.data.cache import fingerprint
from reportgen.data.files import resolve_files
from reportgen.data.generate import generate
from reportgen.engine.cache_keys import section_dependencies, section_key
from reportgen.engine.plan import plan_section
from reportgen.engine.results_cache import MAGIC, EntryError, ResultsCache, decode_entry
from reportgen.model.params import bind
from reportgen.model.resolve import check_headers
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
    loaded = bind(load_spec(folder / "report.yaml"))  # parameters at their defaults
    model, _ = check_headers(loaded)
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
    assert keys(folder, text) == before  # touched, not changed: the key is the content
    content = products.read_bytes()
    end = content.index(b"\n", content.index(b"\n") + 1)  # the first row's end
    last = end - 2 if content[end - 1 : end] == b"\r" else end - 1  # its price's last digit
    assert content[last : last + 1].isdigit()
    digit = b"1" if content[last : last + 1] != b"1" else b"2"
    edited = content[:last] + digit + content[last + 1 :]
    products.write_bytes(edited)  # the same size, and the modification time set back
    os.utime(products, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    after = keys(folder, text)
    changed = {sid for sid in before if before[sid] != after[sid]}
    loaded = bind(load_spec(folder / "report.yaml"))  # parameters at their defaults
    model, _ = check_headers(loaded)
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
    path = tmp_path / "results" / "section-k.entry"
    path.write_bytes(b"not an entry")
    assert cache.get("section", "k") is None
    assert not path.exists()  # an unreadable entry is removed
    assert (cache.hits, cache.misses) == (1, 2)
    assert not list((tmp_path / "results").glob("*.tmp"))


def _every_kind() -> dict[str, Any]:
    frame = pd.DataFrame(
        {
            "department": pd.Categorical(
                ["produce", "dairy eggs", "produce"],
                categories=["produce", "dairy eggs", "Other"],  # an unused category stays
                ordered=True,
            ),
            "name": pd.Series(["Banana", None, "Other"], dtype="str"),
            "raw": pd.Series(["a", None, "c"], dtype=object),
            "id": np.array([1, 2**62 + 1, -7], dtype="int64"),
            "price": [1.25, np.nan, np.inf],
            "flag": [True, False, True],
            "count": pd.array([1, None, 3], dtype="Int64"),
        }
    )
    return {
        "result": frame,
        "empty": frame.iloc[:0],
        "orders": {"department": ["produce", "dairy eggs"], "name": None},
        "note": "ünïcode & <text>",
        "total": 32_434_489,
        "share": float("nan"),
        "numpy": np.int64(5),
        "nested": {"deeper": {"frame": frame[["id"]], "items": [1, 2.5, None, "x", [frame]]}},
        "nothing": None,
    }


def test_every_value_kind_round_trips_exactly(tmp_path: Path) -> None:
    value = _every_kind()
    ResultsCache(tmp_path).put("section", "k", value)
    back = ResultsCache(tmp_path).get("section", "k")
    for name in ("result", "empty"):
        pd.testing.assert_frame_equal(back[name], value[name], check_exact=True)
        assert back[name].dtypes.tolist() == value[name].dtypes.tolist()
    assert back["result"]["raw"].tolist() == ["a", None, "c"]  # object column: None stays None
    nested = back["nested"]["deeper"]
    pd.testing.assert_frame_equal(nested["frame"], value["result"][["id"]], check_exact=True)
    pd.testing.assert_frame_equal(nested["items"][4][0], value["result"], check_exact=True)
    assert nested["items"][:4] == [1, 2.5, None, "x"]
    assert back["orders"] == value["orders"]
    assert (back["note"], back["total"], back["nothing"]) == (value["note"], 32_434_489, None)
    assert np.isnan(back["share"])
    assert back["numpy"] == 5
    assert type(back["numpy"]) is int
    lone = value["result"]
    ResultsCache(tmp_path).put("capped", "k", lone)  # a DataFrame on its own
    pd.testing.assert_frame_equal(ResultsCache(tmp_path).get("capped", "k"), lone)


def test_dates_or_numbers_beside_their_other_bucket_round_trip(tmp_path: Path) -> None:
    """A top-N of months or of horsepowers keeps its "Other" row in the same column (values
    and text): stored and read back value for value and type for type, a missing value as it
    was, the column's place kept."""
    months = pd.Series(
        [pd.Timestamp("2015-03-01"), pd.Timestamp("2014-11-01"), None, "Other"], dtype=object
    )
    powers = pd.Series([150, 90, 2**60, "Other"], dtype=object)
    frame = pd.DataFrame({"month_start": months, "hp": powers, "rain": [3.5, 2.0, 1.0, 9.0]})
    ResultsCache(tmp_path).put("section", "k", {"shown": frame})
    back = ResultsCache(tmp_path).get("section", "k")["shown"]
    assert back.columns.tolist() == ["month_start", "hp", "rain"]
    assert back["month_start"].dtype == object
    assert back["month_start"].tolist() == months.tolist()
    assert [type(v) for v in back["month_start"]] == [pd.Timestamp, pd.Timestamp, type(None), str]
    assert back["hp"].tolist() == [150, 90, 2**60, "Other"]  # whole numbers stay exact
    assert [type(v) for v in back["hp"]] == [int, int, int, str]
    assert back["rain"].tolist() == frame["rain"].tolist()


def test_values_that_are_not_data_are_not_cached(tmp_path: Path) -> None:
    cache = ResultsCache(tmp_path)
    mixed = pd.DataFrame({"raw": pd.Series(["a", 3, pd.Timestamp("2015-01-01")], dtype=object)})
    for value in ({"x": object()}, {1: "int key"}, {"f": pd.DataFrame({1: [1]})}, {"m": mixed}):
        cache.put("section", "k", value)
        assert list(tmp_path.iterdir()) == []


def test_truncated_flipped_and_misplaced_entries_are_misses(tmp_path: Path) -> None:
    cache = ResultsCache(tmp_path)
    cache.put("section", "k", _every_kind())
    good = (tmp_path / "section-k.entry").read_bytes()
    flipped = bytearray(good)
    for at in (len(good) // 3, len(good) // 2, len(good) - 5):
        flipped[at] ^= 0xFF
    header_end = len(MAGIC) + 4
    bad_header = good[:header_end] + b"[" + good[header_end + 1 :]
    huge_size = good[: len(MAGIC)] + b"\xff\xff\xff\xff" + good[header_end:]
    for damaged in (good[: len(good) // 2], good[:10], b"", bytes(flipped), bad_header, huge_size):
        (tmp_path / "section-k.entry").write_bytes(damaged)
        assert cache.get("section", "k") is None
        assert not (tmp_path / "section-k.entry").exists()
    (tmp_path / "section-other.entry").write_bytes(good)  # another key's entry, renamed
    assert cache.get("section", "other") is None
    (tmp_path / "section-k.entry").write_bytes(good.replace(b'"format": 1', b'"format": 2'))
    assert cache.get("section", "k") is None
    with pytest.raises(EntryError):
        decode_entry("quality", "k", good)  # the right bytes for another kind


class _Planted:
    """What an attacker would plant: unpickling it runs a command."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


def test_a_planted_pickle_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Planted(marker))
    results = tmp_path / "results"
    results.mkdir()
    (results / "section-k.entry").write_bytes(payload)
    (results / "section-k.pkl").write_bytes(payload)  # the file name older versions read
    cache = ResultsCache(results)
    assert cache.get("section", "k") is None
    assert cache.prune() == 1  # the old-format file goes, unread
    assert list(results.iterdir()) == []
    assert not marker.exists()


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
        "section-recent.entry",
        "section-used.entry",
    ]
    later.MAX_BYTES = 1500  # room for one entry: the least recently used unused one goes
    later.put("section", "new", {"payload": "y" * 1000})
    assert later.prune(now) == 1
    assert not (tmp_path / "results" / "section-recent.entry").exists()
    assert (tmp_path / "results" / "section-new.entry").exists()
    assert (tmp_path / "results" / "section-used.entry").exists()


def test_a_fifo_or_folder_under_an_entrys_name_is_a_miss_without_blocking(tmp_path: Path) -> None:
    cache = ResultsCache(tmp_path)
    os.mkfifo(tmp_path / "section-fifo.entry")  # opening it to read would wait for a writer
    (tmp_path / "section-folder.entry").mkdir()
    assert cache.get("section", "fifo") is None
    assert cache.get("section", "folder") is None
    assert not (tmp_path / "section-fifo.entry").exists()
