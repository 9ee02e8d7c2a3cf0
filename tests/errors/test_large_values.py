"""Awkward values: 10,000 categories, very long names; charts and tables stay bounded."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from reportgen.charts import build
from reportgen.charts.capping import MAX_CHART_CATEGORIES
from tests.errors.conftest import Project, RunCli


def test_ten_thousand_categories_are_capped(
    project: Project, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chart by product (Altair refuses > 5,000 rows): top 49 plus "Other"; table capped."""
    products = pd.read_csv(project.data / "products.csv")
    assert products["product_name"].nunique() > 10_000
    project.edit_spec(
        "query: {by: [product_name], metrics: [order_lines], sort: -order_lines, top: 10, "
        "other: false}",
        "query: {by: [product_name], metrics: [order_lines]}",
    )
    charted: dict[str, Any] = {}
    real = build.build_chart

    def spy(chart: Any, data: pd.DataFrame, **kwargs: Any) -> Any:
        charted[kwargs.get("title", "")] = data
        return real(chart, data, **kwargs)

    monkeypatch.setattr(build, "build_chart", spy)
    run = run_cli(project.spec, "--format", "html", "--quiet")
    assert run.code == 0, run.err
    products_chart = charted["The most ordered products"]
    assert len(products_chart) == MAX_CHART_CATEGORIES
    assert products_chart["product_name"].iloc[-1] == "Other"
    html = (project.output / "basket.html").read_text(encoding="utf-8")
    assert "Showing 12 of " in html
    exported = pd.read_csv(project.output / "basket-data" / "top-products.csv")
    assert len(exported) > 10_000


def test_very_long_names_wrap(project: Project, run_cli: RunCli) -> None:
    products = pd.read_csv(project.data / "products.csv")
    lines = pd.read_csv(project.data / "order_products__prior.csv", usecols=["product_id"])
    top = lines["product_id"].value_counts().index[0]
    long_name = "Supercalifragilistic " * 15 + "Granola"
    products.loc[products["product_id"] == top, "product_name"] = long_name
    products.to_csv(project.data / "products.csv", index=False)
    run = run_cli(project.spec, "--format", "html", "--quiet")
    assert run.code == 0, run.err
    html = (project.output / "basket.html").read_text(encoding="utf-8")
    assert long_name in html  # whole in the table, where CSS wraps it
    assert "overflow-wrap: break-word" in html  # a long word breaks at the cell's edge
