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
