"""The Dask executor against the pandas executor: every section of the shipped report, cleaning
rules on a partitioned fact table, every reduction, and one run of the command line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from reportgen.cli import main
from reportgen.data.load import load_table
from reportgen.engine.dask_engine import DaskExecutor
from reportgen.engine.dask_read import FactTable, fact_tables, load_tables
from reportgen.engine.finish import run_section
from reportgen.engine.pandas_engine import PandasExecutor
from reportgen.model import expr as ex
from reportgen.spec.load import load_spec
from reportgen.spec.models import AnalysisSection

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow  # scheduled first (tests/conftest.py)

Planner = Callable[[Path], Any]  # the ``planned`` fixture of conftest.py
ROOT = Path(__file__).resolve().parents[2]
SECTIONS = [
    s.id for s in load_spec(ROOT / "report.yaml").spec.sections if isinstance(s, AnalysisSection)
]


@pytest.fixture(scope="module")
def project(new_project: Callable[[int, int], Path]) -> Path:
    return new_project(600, 3)


@pytest.fixture(scope="module")
def runs(project: Path, cluster: Any, planned: Planner) -> Iterator[dict[str, Any]]:
    spec = planned(project / "report.yaml")
    model, plans, needed = spec.model, spec.plans, spec.needed
    reference = PandasExecutor(model, spec.frames())
    sources = load_tables(model, project, needed)
    with DaskExecutor(model, sources, scheduler=cluster.scheduler_address) as dask_run:
        yield {
            "model": model,
            "pandas": reference,
            "dask": dask_run,
            "expected": {
                sid: run_section(model, reference, p, total=True) for sid, p in plans.items()
            },
            "actual": {
                sid: run_section(model, dask_run, p, total=True) for sid, p in plans.items()
            },
        }


def test_only_the_order_lines_are_partitioned(runs: dict[str, Any]) -> None:
    assert fact_tables(runs["model"]) == ["order_products"]
    assert isinstance(runs["dask"].tables["order_products"], FactTable)
    assert len(runs["dask"]._parts["order_products"]) >= 1


@pytest.mark.parametrize("section", SECTIONS)
def test_every_section_equals_the_pandas_engine(runs: dict[str, Any], section: str) -> None:
    actual, expected = runs["actual"][section], runs["expected"][section]
    for part in ("full", "shown", "total"):
        pd.testing.assert_frame_equal(
            getattr(actual, part), getattr(expected, part), check_dtype=False, rtol=1e-9, obj=part
        )
    assert actual.other_label == expected.other_label


def test_data_quality_numbers_equal_the_pandas_engine(runs: dict[str, Any], project: Path) -> None:
    model, reference, dask_run = runs["model"], runs["pandas"], runs["dask"]
    for name in model.spec.data:
        assert int(dask_run.mask(name).sum()) == int(reference.mask(name).sum()), name
        assert int(dask_run.valid(name).sum()) == int(reference.valid(name).sum()), name
        assert dask_run.orphans.get(name, []) == reference.orphans.get(name, []), name
    node = ex.parse("reordered == 1")
    assert int(dask_run.condition(node, "order_products").sum()) == int(
        reference.condition(node, "order_products").sum()
    )
    table = model.spec.data["order_products"]
    expected = load_table("order_products", table, project, columns=["order_id"]).quality
    quality = dask_run.tables["order_products"].quality
    assert (quality.files, quality.rows_read, quality.rows_kept, quality.exclusions) == (
        expected.files,
        expected.rows_read,
        expected.rows_kept,
        expected.exclusions,
    )


# ---- cleaning rules and every reduction on a fact table split over several files ----------------
LINES = [
    # line_id, order_id, item_id, qty, note
    "line_id,order_id,item_id,qty,note",
    "1,10,100,2,a",
    "2,10,101,,b",  # empty qty: dropped
    "3,11,102,5,c",
    "4,11,100,999,d",  # qty out of range: blanked
    "3,12,101,7,e",  # line 3 again (a later file repeats it too): the first one is kept
]
LINES_B = [
    "line_id,order_id,item_id,qty,note",
    "1,10,100,2,a",  # an exact repeat of a row in the first file: dropped
    "5,12,100,1,f",
    "6,12,102,3,g",
    "7,99,100,4,h",  # order 99 does not exist: an orphan
    "8,13,103,6,i",  # item 103 does not exist: an orphan
]
LINES_C = [
    "line_id,order_id,item_id,qty,note",
    "3,13,100,9,j",
    "9,13,101,2,k",
    "10,13,102,3,l",
    "11,14,101,8,m",
    "12,14,101,8,m",
]
SPEC: dict[str, Any] = {
    "report": {"title": "T"},
    "data": {
        "lines": {
            "path": "lines/*.csv",
            "key": "line_id",
            "private": ["note"],
            "clean": {
                "drop_missing": ["qty"],
                "drop_duplicates": True,
                "duplicate_keys": "first",
                "valid": {"qty": {"min": 0, "max": 50}},
            },
        },
        "orders": {"path": "orders.csv", "key": "order_id"},
        "items": {"path": "items.csv", "key": "item_id"},
    },
    "relations": ["lines.order_id -> orders", "lines.item_id -> items"],
    "fields": {
        "big": {"type": "expr", "on": "lines", "expr": "qty * price"},
        "size": {
            "type": "bins",
            "on": "lines",
            "column": "qty",
            "edges": [3],
            "labels": ["small", "large"],
        },
        "qty_per_order": {
            "type": "aggregate",
            "on": "orders",
            "func": "sum",
            "of": "lines.qty",
        },
        "top_item": {
            "type": "aggregate",
            "on": "orders",
            "func": "max",
            "of": "items.price",
            "over": "lines",
        },
        "median_qty": {"type": "aggregate", "on": "orders", "func": "median", "of": "lines.qty"},
    },
    "filters": {"weekend": {"on": "orders", "where": "day != 'Mon'"}},
    "metrics": {
        "lines": "count(lines)",
        "qty": "sum(lines.qty)",
        "mean_qty": "mean(lines.qty)",
        "median_qty": "median(lines.qty)",
        "min_qty": "min(lines.qty)",
        "max_qty": "max(lines.qty)",
        "items": "count_distinct(lines.item_id)",
        "orders": "count(orders)",
        "spend": "sum(lines.big)",
        "cheap_lines": 'count(lines, where="price < 3")',
        "mean_order_qty": "mean(orders.qty_per_order)",
        "share_lines": "share(lines)",
    },
    "sections": [
        {
            "id": "by-kind",
            "title": "By kind",
            "query": {
                "by": ["kind"],
                "metrics": [
                    "lines",
                    "qty",
                    "mean_qty",
                    "median_qty",
                    "min_qty",
                    "max_qty",
                    "items",
                    "spend",
                    "cheap_lines",
                    "share_lines",
                ],
            },
        },
        {
            "id": "by-item",
            "title": "By item",
            "query": {
                "by": ["item_id"],
                "metrics": ["lines", "median_qty"],
                "sort": "-lines",
                "top": 1,
            },
        },
        {
            "id": "by-size-and-day",
            "title": "By size and day",
            "query": {"by": ["size", "day"], "metrics": ["lines", "items", "mean_qty"]},
        },
        {
            "id": "orders",
            "title": "Orders",
            "query": {
                "by": ["day"],
                "metrics": ["orders", "mean_order_qty"],
                "where": "top_item > 2",
            },
        },
        {
            "id": "median-orders",
            "title": "Orders by median",
            "query": {"by": ["median_qty"], "metrics": ["orders"]},
        },
        {
            "id": "total",
            "title": "Total",
            "query": {"metrics": ["lines", "qty", "median_qty", "items"], "where": "qty > 1"},
        },
    ],
}


@pytest.fixture(scope="module")
def small_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lines")
    (folder / "lines").mkdir()
    for name, rows in (("a", LINES), ("b", LINES_B), ("c", LINES_C)):
        (folder / "lines" / f"{name}.csv").write_text("\n".join(rows) + "\n")
    (folder / "orders.csv").write_text("order_id,day\n10,Mon\n11,Tue\n12,Tue\n13,Sun\n14,Sat\n")
    (folder / "items.csv").write_text(
        "item_id,kind,price\n100,fruit,1.5\n101,fruit,4.0\n102,bread,2.5\n"
    )
    (folder / "spec.yaml").write_text(yaml.safe_dump(SPEC, sort_keys=False))
    return folder / "spec.yaml"


@pytest.mark.parametrize("cached", [False, True], ids=["loaded", "cached-copy"])
def test_a_fact_table_has_the_loaders_rows_and_quality(
    small_spec: Path, cluster: Any, planned: Planner, tmp_path: Path, cached: bool
) -> None:
    """Read by the loader on the client, or (cached) by the workers from the loader's Parquet
    copy: the rows, the cleaning counts and the missing values are the loader's."""
    spec = planned(small_spec)
    model, needed = spec.model, spec.needed
    table = model.spec.data["lines"]
    cache_dir = tmp_path / "cache" if cached else None
    expected = load_table(
        "lines", table, small_spec.parent, columns=sorted(needed["lines"]), cache_dir=cache_dir
    )
    assert not expected.from_cache
    sources = load_tables(model, small_spec.parent, needed, cache_dir=cache_dir)
    with DaskExecutor(model, sources, scheduler=cluster.scheduler_address) as dask_run:
        loaded = dask_run.tables["lines"]
        assert len(dask_run._parts["lines"]) == 1  # 15 rows: one partition (up to 4 M rows)
        frame = loaded.frame.compute().reset_index(drop=True)
    assert list(frame.columns) == list(expected.frame.columns)
    pd.testing.assert_frame_equal(frame, expected.frame, check_dtype=False)
    assert loaded.quality.rows_read == expected.quality.rows_read == 15
    assert loaded.quality.rows_kept == len(expected.frame) == 11  # 15 - 1 empty - 1 repeat - 2 keys
    assert loaded.quality.files == expected.quality.files
    assert loaded.quality.exclusions == expected.quality.exclusions
    assert loaded.quality.missing == expected.quality.missing == {
        "line_id": 0, "order_id": 0, "item_id": 0, "qty": 1,
    }  # fmt: skip


@pytest.mark.parametrize("npartitions", [1, 4])
def test_every_reduction_equals_the_pandas_engine(
    small_spec: Path, cluster: Any, npartitions: int, planned: Planner
) -> None:
    spec = planned(small_spec)
    model, plans, frames = spec.model, spec.plans, spec.frames()
    reference = PandasExecutor(model, frames)
    with DaskExecutor(
        model, frames, scheduler=cluster.scheduler_address, npartitions=npartitions
    ) as dask_run:
        for sid, plan in plans.items():
            actual = run_section(model, dask_run, plan, total=True)
            expected = run_section(model, reference, plan, total=True)
            for part in ("full", "shown", "total"):
                pd.testing.assert_frame_equal(
                    getattr(actual, part),
                    getattr(expected, part),
                    check_dtype=False,
                    rtol=1e-9,
                    obj=f"{sid} {part}",
                )
        for name in ("qty_per_order", "top_item", "median_qty"):
            np.testing.assert_allclose(
                dask_run.dims.field(name).to_numpy(dtype=float),
                reference.field(name).to_numpy(dtype=float),
                rtol=1e-9,
            )


# ---- the command line ------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_command_line_writes_the_same_section_tables(project: Path) -> None:
    spec = str(project / "report.yaml")
    common = ["--format", "csv", "--quiet", "--no-cache"]
    assert main([spec, *common, "--output-dir", str(project / "out-pandas")]) == 0
    assert main([spec, "--engine", "dask", *common, "--output-dir", str(project / "out-dask")]) == 0
    written = sorted((project / "out-pandas").rglob("*.csv"))
    assert len(written) == len(SECTIONS)
    for path in written:
        other = project / "out-dask" / path.relative_to(project / "out-pandas")
        pd.testing.assert_frame_equal(
            pd.read_csv(other), pd.read_csv(path), check_dtype=False, rtol=1e-9, obj=path.name
        )
