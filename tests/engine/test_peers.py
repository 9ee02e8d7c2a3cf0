"""The peers benchmark's check (``benchmarks/peers.py``): it finds a differing value or group,
and DuckDB's and Polars' tables equal ours on generated data (when they are installed)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import peers  # noqa: E402


def tables(orders: list[int], days: list[str]) -> dict[str, pd.DataFrame]:
    """Every compared section with the same small table (only the columns each one reads)."""
    frame = pd.DataFrame({"order_day": days, "orders": orders})
    out = {}
    for sid, (column, metrics) in peers.SECTIONS.items():
        out[sid] = pd.DataFrame(
            {column: frame["order_day"], **{m: frame["orders"] * 1.0 for m in metrics}}
        )
    return out


def test_equal_tables_in_another_row_order_have_no_differences() -> None:
    ours = tables([3, 5], ["Monday", "Sunday"])
    theirs = {sid: frame.iloc[::-1] for sid, frame in tables([3, 5], ["Monday", "Sunday"]).items()}
    assert peers.differences(ours, theirs) == []


def test_a_different_value_or_group_is_found() -> None:
    ours = tables([3, 5], ["Monday", "Sunday"])
    found = peers.differences(ours, tables([3, 6], ["Monday", "Sunday"]))
    assert len(found) == sum(len(metrics) for _, metrics in peers.SECTIONS.values())
    assert found[0].startswith("orders-by-day.orders:")
    found = peers.differences(ours, tables([3, 5], ["Monday", "Friday"]))
    assert found[0] == "orders-by-day: groups ['Monday', 'Sunday'] vs ['Friday', 'Monday']"


def test_duckdb_and_polars_compute_our_tables(new_project: Callable[[int, int], Path]) -> None:
    pytest.importorskip("duckdb")
    pytest.importorskip("polars")
    project = new_project(2000, 13)
    result = peers.run_peers(project / "report.yaml", runs=1)
    assert set(result["median_seconds"]) == {"reportgen", "duckdb", "polars"}
    assert result["differences"] == {"duckdb": [], "polars": []}
