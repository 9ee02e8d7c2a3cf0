"""The reduce-first fast path (sum per parent row, then group) equals the row-level path."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from reportgen.data.generate import generate
from reportgen.engine import pandas_engine, rows, scan
from reportgen.engine.finish import run_section
from reportgen.engine.pandas_engine import PandasExecutor

ROOT = Path(__file__).resolve().parents[2]

EXTRA_SECTIONS = """
  - id: extra-where
    title: Revenue of loyal customers' weekend orders by hour
    query: {by: [hour], metrics: [revenue, avg_item_price, order_lines, items_per_order],
            where: "loyalty == 'Loyal customer' and order_dow <= 1"}
  - id: extra-total
    title: Totals
    query: {by: [], metrics: [revenue, order_lines, avg_item_price, reorder_rate]}
  - id: extra-top-other
    title: Departments, top five and Other
    query: {by: [department], metrics: [revenue, share_revenue, avg_item_price], sort: -revenue, top: 5}
"""


@pytest.fixture(scope="module")
def runs(
    tmp_path_factory: pytest.TempPathFactory, planned: Callable[[Path], Any]
) -> tuple[dict, dict, dict]:
    folder = tmp_path_factory.mktemp("reduce")
    generate(folder / "data", customers=800, seed=11, progress=False)
    text = (ROOT / "report.yaml").read_text(encoding="utf-8")
    marker = "  - id: recommendations"
    text = text.replace(marker, EXTRA_SECTIONS.lstrip("\n") + "\n" + marker, 1)
    (folder / "report.yaml").write_text(text, encoding="utf-8")
    shutil.copy(ROOT / "report.yaml", folder / "original.yaml")
    spec = planned(folder / "report.yaml")
    model, plans, frames = spec.model, spec.plans, spec.frames()
    fast = PandasExecutor(model, frames)
    slow = PandasExecutor(model, frames, reduce_first=False)
    fast_tables = {sid: run_section(model, fast, plan).shown for sid, plan in plans.items()}
    slow_tables = {sid: run_section(model, slow, plan).shown for sid, plan in plans.items()}
    # As at full scale: the lines count as long (orders are put in order-id order, the lines'
    # own positions are dropped after use) and scans run over many small chunks.
    with pytest.MonkeyPatch.context() as patch:
        for module in (rows, scan, pandas_engine):
            patch.setattr(module, "LONG_ROWS", 1_000)
        patch.setattr(scan, "CHUNK_ROWS", 512)
        chunked = PandasExecutor(model, frames)
        chunked.threads = 3  # chunks split over three threads, partials merged
        chunked_tables = {
            sid: run_section(model, chunked, plan).shown for sid, plan in plans.items()
        }
        # Lines in no particular order: no parent is re-sorted, lookups jump around.
        lines = frames["order_products"]
        shuffled = {**frames, "order_products": lines.sample(frac=1.0, random_state=3)}
        unsorted = PandasExecutor(model, shuffled)
        unsorted.threads = 1
        unsorted_tables = {
            sid: run_section(model, unsorted, plan).shown for sid, plan in plans.items()
        }
    return (
        fast_tables,
        slow_tables,
        {
            "pivots": fast._partials,
            "chunked": chunked_tables,
            "chunked_executor": chunked,
            "unsorted": unsorted_tables,
            "unsorted_executor": unsorted,
            "frames": frames,
        },
    )


def test_fast_path_is_used(runs: tuple[dict, dict, dict]) -> None:
    assert runs[2]["pivots"], "no atom took the reduce-first path"


def test_long_tables_sort_their_parents_and_scan_in_chunks(runs: tuple[dict, dict, dict]) -> None:
    executor = runs[2]["chunked_executor"]
    assert not runs[2]["frames"]["orders"]["order_id"].is_monotonic_increasing
    assert executor.frames["orders"]["order_id"].is_monotonic_increasing
    assert any(executor._rising.values()), "no rising positions: the sort did not take"
    assert len(executor.frames["order_products"]) > 20 * 512  # many chunks of 512 lines


def test_unsorted_lines_leave_their_parents_as_they_are(runs: tuple[dict, dict, dict]) -> None:
    executor = runs[2]["unsorted_executor"]
    assert executor.frames["orders"] is runs[2]["frames"]["orders"]
    lines = [r for r in executor._rising if r.child == "order_products"]
    assert lines
    assert not any(executor._rising[r] for r in lines)


@pytest.mark.parametrize("variant", ["fast", "chunked", "unsorted"])
def test_fast_path_equals_row_level_path(runs: tuple[dict, dict, dict], variant: str) -> None:
    fast_tables, slow_tables, extra = runs
    if variant != "fast":
        fast_tables = extra[variant]
    assert fast_tables.keys() == slow_tables.keys()
    for sid, fast in fast_tables.items():
        slow = slow_tables[sid]
        assert list(fast.columns) == list(slow.columns), sid
        assert len(fast) == len(slow), sid
        for column in fast.columns:
            left, right = fast[column], slow[column]
            if pd.api.types.is_numeric_dtype(right.dtype) and not pd.api.types.is_bool_dtype(
                right.dtype
            ):
                assert left.dtype == right.dtype, (sid, column)
                np.testing.assert_allclose(
                    left.to_numpy(dtype=float),
                    right.to_numpy(dtype=float),
                    rtol=1e-12,
                    err_msg=f"{sid}.{column}",
                )
            else:
                assert left.tolist() == right.tolist(), (sid, column)
