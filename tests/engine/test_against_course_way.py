"""The shipped report's section tables against the course's merge-then-groupby pandas way."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reportgen.data.generate import generate
from reportgen.engine.finish import run_section
from reportgen.engine.pandas_engine import PandasExecutor
from reportgen.engine.plan import needed_columns, plan_section
from reportgen.pipeline import _check_headers
from reportgen.spec.load import load_spec
from reportgen.spec.models import AnalysisSection

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from course_way import course_tables  # noqa: E402


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("project")
    generate(folder / "data", customers=3000, seed=7, progress=False)
    shutil.copy(ROOT / "report.yaml", folder / "report.yaml")
    return folder


@pytest.fixture(scope="module")
def ours(project: Path) -> dict[str, pd.DataFrame]:
    from reportgen.data.load import load_table

    loaded = load_spec(project / "report.yaml")
    model, _ = _check_headers(loaded)
    plans = {
        s.id: plan_section(model, s) for s in loaded.spec.sections if isinstance(s, AnalysisSection)
    }
    needed = needed_columns(model, plans.values())
    frames = {
        name: load_table(name, table, loaded.base_dir, columns=sorted(needed[name])).frame
        for name, table in loaded.spec.data.items()
    }
    executor = PandasExecutor(model, frames)
    return {sid: run_section(model, executor, plan) for sid, plan in plans.items()}


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
    expected = theirs["top-products"]
    assert list(ours["top-products"]["order_lines"]) == list(expected["order_lines"])
    assert set(ours["top-products"]["product_name"]) == set(expected["product_name"]) or (
        # ties at the cut may pick different names with the same count
        ours["top-products"]["order_lines"].iloc[-1] == expected["order_lines"].iloc[-1]
    )
