"""The shipped report's section tables against the course's merge-then-groupby pandas way."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from reportgen.engine.finish import run_section
from reportgen.engine.pandas_engine import PandasExecutor

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from course_way import course_tables  # noqa: E402

pytestmark = pytest.mark.slow  # scheduled first (tests/conftest.py)


@pytest.fixture(scope="module")
def project(new_project: Callable[[int, int], Path]) -> Path:
    return new_project(3000, 7)


@pytest.fixture(scope="module")
def ours(project: Path, planned: Callable[[Path], Any]) -> dict[str, pd.DataFrame]:
    spec = planned(project / "report.yaml")
    executor = PandasExecutor(spec.model, spec.frames())
    return {sid: run_section(spec.model, executor, plan).shown for sid, plan in spec.plans.items()}


@pytest.fixture(scope="module")
def theirs(project: Path) -> dict[str, pd.DataFrame]:
    return course_tables(project / "data")


def same(ours: pd.DataFrame, theirs: pd.DataFrame, key: str) -> None:
    left = ours.set_index(key).sort_index()
    right = theirs.set_index(key).sort_index()[list(left.columns)]
    assert list(left.index) == list(right.index)
    for column in left.columns:
        np.testing.assert_allclose(
            left[column].to_numpy(dtype=float),
            right[column].to_numpy(dtype=float),
            rtol=1e-9,
            err_msg=column,
        )


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("orders-by-day", "order_day"),
        ("orders-by-hour", "hour"),
        ("loyalty", "loyalty"),
        ("loyalty-habits", "loyalty"),
        ("regions", "region"),
        ("profiles", "profile"),
        ("profile-habits", "profile"),
        ("goods-profiles", "goods_profile"),
        ("income-groups", "income_group"),
    ],
)
def test_section_equals_course_way(
    ours: dict[str, pd.DataFrame], theirs: dict[str, pd.DataFrame], section: str, key: str
) -> None:
    expected = (
        theirs[section].reset_index() if key not in theirs[section].columns else theirs[section]
    )
    same(ours[section], expected, key)


def test_departments_top_and_other(
    ours: dict[str, pd.DataFrame], theirs: dict[str, pd.DataFrame]
) -> None:
    everything = theirs["departments-all"]
    table = ours["departments"]
    top = table[table["department"] != "Other"]
    assert list(top["department"]) == list(everything["department"].head(len(top)))
    np.testing.assert_array_equal(top["order_lines"], everything["order_lines"].head(len(top)))
    other = table[table["department"] == "Other"].iloc[0]
    assert other["order_lines"] == everything["order_lines"].iloc[len(top) :].sum()
    assert table["share_lines"].sum() == pytest.approx(1.0)


def test_top_products(ours: dict[str, pd.DataFrame], theirs: dict[str, pd.DataFrame]) -> None:
    table = ours["top-products"]
    expected = theirs["top-products"]
    assert list(table["order_lines"]) == list(expected["order_lines"])
    # Every name shown is counted as the course counts it; above the cut the names are the
    # same; at the cut, ties may pick different names with that same count.
    counts = theirs["products-all"].set_index("product_name")["order_lines"]
    assert counts.index.is_unique
    for name, lines in zip(table["product_name"], table["order_lines"], strict=True):
        assert counts[name] == lines, name
    cut = table["order_lines"].iloc[-1]
    assert set(table.loc[table["order_lines"] > cut, "product_name"]) == set(
        counts[counts > cut].index
    )
