"""The Parquet cache of CSV inputs: hit, identical frames, invalidation, corruption, atomic writes."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from reportgen.data import cache
from reportgen.data.load import load_table
from reportgen.spec.models import TableSpec

PRODUCTS = {
    "path": "careerfoundry/products.csv",
    "key": "product_id",
    "clean": {
        "drop_missing": ["product_name"],
        "drop_duplicates": True,
        "valid": {"prices": {"min": 0, "max": 100}},
        "duplicate_keys": "first",
    },
}


def spec(**fields: object) -> TableSpec:
    return TableSpec.model_validate(fields)


def cache_files(cache_dir: Path) -> list[str]:
    return sorted(p.name for p in cache_dir.iterdir())


@pytest.mark.parametrize("columns", [None, ["prices"], ["department_id", "product_name"]])
def test_cached_load_equals_a_fresh_load(samples, tmp_path, columns):
    table = spec(**PRODUCTS)
    fresh = load_table("products", table, samples, columns=columns)
    first = load_table("products", table, samples, columns=columns, cache_dir=tmp_path)
    second = load_table("products", table, samples, columns=columns, cache_dir=tmp_path)
    assert (first.from_cache, second.from_cache) == (False, True)
    for loaded in (first, second):
        pd.testing.assert_frame_equal(loaded.frame, fresh.frame)
        assert loaded.quality == fresh.quality


def test_cache_holds_every_column_and_serves_any_subset(samples, tmp_path):
    table = spec(**PRODUCTS)
    load_table("products", table, samples, columns=["prices"], cache_dir=tmp_path)
    (cached,) = tmp_path.glob("products-*.parquet")
    assert pd.read_parquet(cached).columns.tolist() == [
        "product_id",
        "product_name",
        "aisle_id",
        "department_id",
        "prices",
    ]
    later = load_table("products", table, samples, columns=["aisle_id"], cache_dir=tmp_path)
    assert later.from_cache
    assert later.frame.columns.tolist() == ["product_id", "aisle_id"]


def test_second_load_reads_parquet_not_csv(samples, tmp_path, monkeypatch):
    table = spec(**PRODUCTS)
    load_table("products", table, samples, cache_dir=tmp_path)

    def no_csv(*args: object, **kwargs: object) -> None:
        raise AssertionError("the CSV was read again")

    monkeypatch.setattr("reportgen.data.load.scan", no_csv)
    assert load_table("products", table, samples, cache_dir=tmp_path).from_cache


def test_changed_file_invalidates_the_cache(tmp_path, write):
    source = write("data/orders.csv", "order_id,order_dow\n1,2\n2,3\n")
    cache_dir = tmp_path / "cache"
    table = spec(path="data/orders.csv", key="order_id")
    load_table("orders", table, tmp_path, cache_dir=cache_dir)
    old = cache_files(cache_dir)
    write("data/orders.csv", "order_id,order_dow\n1,2\n2,3\n3,4\n")
    os.utime(source, ns=(1, 1))  # a distinct mtime even on coarse clocks
    again = load_table("orders", table, tmp_path, cache_dir=cache_dir)
    assert not again.from_cache
    assert again.frame["order_id"].tolist() == [1, 2, 3]
    assert len(cache_files(cache_dir)) == 1
    assert cache_files(cache_dir) != old  # the stale copy is gone


def test_changed_rules_invalidate_the_cache(tmp_path, write):
    write("orders.csv", "order_id,order_dow\n1,2\n2,\n")
    cache_dir = tmp_path / "cache"
    load_table("orders", spec(path="orders.csv"), tmp_path, cache_dir=cache_dir)
    table = spec(path="orders.csv", clean={"drop_missing": ["order_dow"]})
    loaded = load_table("orders", table, tmp_path, cache_dir=cache_dir)
    assert not loaded.from_cache
    assert len(loaded.frame) == 1


def test_corrupt_cache_is_rebuilt(tmp_path, write):
    write("orders.csv", "order_id,order_dow\n1,2\n2,3\n")
    cache_dir = tmp_path / "cache"
    table = spec(path="orders.csv")
    first = load_table("orders", table, tmp_path, cache_dir=cache_dir)
    (cached,) = cache_dir.glob("orders-*.parquet")
    cached.write_bytes(b"garbage")
    rebuilt = load_table("orders", table, tmp_path, cache_dir=cache_dir)
    assert not rebuilt.from_cache
    pd.testing.assert_frame_equal(rebuilt.frame, first.frame)
    assert load_table("orders", table, tmp_path, cache_dir=cache_dir).from_cache


def test_unwritable_cache_is_only_a_lost_speed_up(tmp_path, write):
    write("orders.csv", "order_id\n1\n")
    blocker = write("cache", "a file where the folder should be")
    loaded = load_table("orders", spec(path="orders.csv"), tmp_path, cache_dir=blocker)
    assert loaded.frame["order_id"].tolist() == [1]


def test_cache_writes_leave_no_temporary_files(tmp_path, write):
    write("orders.csv", "order_id\n1\n")
    cache_dir = tmp_path / "cache"
    load_table("orders", spec(path="orders.csv"), tmp_path, cache_dir=cache_dir)
    (name,) = cache_files(cache_dir)
    assert name.startswith("orders-")
    assert name.endswith(".parquet")


def test_fingerprint_depends_on_read_settings_only(tmp_path, write):
    from reportgen.data.files import resolve_files

    write("orders.csv", "order_id\n1\n")
    plain = spec(path="orders.csv")
    files = resolve_files("orders", plain, tmp_path)
    described = spec(path="orders.csv", description="All orders")
    keyed = spec(path="orders.csv", key="order_id")
    assert cache.fingerprint(plain, files) == cache.fingerprint(described, files)
    assert cache.fingerprint(plain, files) != cache.fingerprint(keyed, files)


def test_parquet_inputs_are_not_cached(tmp_path):
    pd.DataFrame({"a": [1, 2]}).to_parquet(tmp_path / "t.parquet")
    cache_dir = tmp_path / "cache"
    load_table("t", spec(path="t.parquet"), tmp_path, cache_dir=cache_dir)
    assert not cache_dir.exists()


def test_nullable_and_categories_survive_the_cache(samples, tmp_path):
    table = spec(path="orders-sample-b/orders_head.csv", key="order_id")
    fresh = load_table("orders", table, samples)
    load_table("orders", table, samples, cache_dir=tmp_path)
    cached = load_table("orders", table, samples, cache_dir=tmp_path)
    assert cached.from_cache
    pd.testing.assert_frame_equal(cached.frame, fresh.frame)
    assert str(cached.frame["days_since_prior_order"].dtype) == "Int8"


def _edit_keeping_size_and_mtime(path: Path, at: int) -> None:
    before = path.stat()
    content = bytearray(path.read_bytes())
    content[at] = ord("x") if content[at] != ord("x") else ord("y")
    path.write_bytes(bytes(content))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert path.stat().st_mtime_ns == before.st_mtime_ns


def test_a_same_size_edit_with_the_mtime_set_back_is_a_fresh_read(tmp_path, write):
    source = write("data/orders.csv", "order_id,order_dow\n1,2\n2,3\n")
    cache_dir = tmp_path / "cache"
    table = spec(path="data/orders.csv", key="order_id")
    load_table("orders", table, tmp_path, cache_dir=cache_dir)
    stamp = source.stat()
    source.write_bytes(b"order_id,order_dow\n1,5\n2,3\n")  # the same size
    os.utime(source, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # and the mtime set back
    again = load_table("orders", table, tmp_path, cache_dir=cache_dir)
    assert not again.from_cache
    assert again.frame["order_dow"].tolist() == [5, 3]


def test_touching_a_small_file_keeps_its_key(tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    path.write_bytes(b"a,b\n1,2\n")
    before = cache.file_identity(path)
    os.utime(path, ns=(10**18, 10**18))
    assert cache.file_identity(path) == before
    assert before[0] == "content"


@pytest.mark.parametrize("where", ["start", "middle", "end", "between samples"])
def test_a_large_file_is_keyed_by_samples_size_and_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    monkeypatch.setattr(cache, "CONTENT_HASH_LIMIT", 1024)
    monkeypatch.setattr(cache, "_EDGE", 64)
    monkeypatch.setattr(cache, "_BLOCK", 16)
    monkeypatch.setattr(cache, "_BLOCKS", 4)
    cache._content_identity.cache_clear()
    path = tmp_path / "large.csv"
    path.write_bytes(bytes(range(256)) * 40)  # 10,240 bytes: first 64, 4 × 16 between, last 64
    before = cache.file_identity(path)
    assert before[0] == "sampled"
    assert before[1] == 10_240
    # the second block starts at 64 + 1 × (10,240 - 128) // 4 = 2,592
    at = {"start": 3, "middle": 2_592 + 5, "end": 10_240 - 3, "between samples": 6_000}[where]
    _edit_keeping_size_and_mtime(path, at)
    after = cache.file_identity(path)
    assert after != before
    if where == "between samples":  # not sampled: only the change time tells
        assert after[4] == before[4]
        assert after[3] != before[3]
    else:
        assert after[4] != before[4]
