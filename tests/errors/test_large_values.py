"""Awkward values: 10,000 categories, very long names; charts and tables stay bounded."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from reportgen.charts import build
from reportgen.charts.capping import MAX_CHART_CATEGORIES, MAX_CHART_POINTS
from tests.errors.conftest import Project, RunCli, assert_clean_failure


def _charted_by_title(monkeypatch: pytest.MonkeyPatch) -> dict[str, pd.DataFrame]:
    """The table each chart of the next build is drawn from, by the chart's title."""
    charted: dict[str, pd.DataFrame] = {}
    real = build.build_chart

    def spy(chart: Any, data: pd.DataFrame, **kwargs: Any) -> Any:
        charted[kwargs["title"]] = data
        return real(chart, data, **kwargs)

    monkeypatch.setattr(build, "build_chart", spy)
    return charted


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
    charted = _charted_by_title(monkeypatch)
    run = run_cli(project.spec, "--format", "html", "--quiet")
    assert run.code == 0, run.err
    products_chart = charted["The most ordered products"]
    assert len(products_chart) == MAX_CHART_CATEGORIES
    assert products_chart["product_name"].iloc[-1] == "Other"
    html = (project.output / "basket.html").read_text(encoding="utf-8")
    assert "Showing 12 of " in html
    exported = pd.read_csv(project.output / "basket-data" / "top-products.csv")
    assert len(exported) > 10_000
    groups, rest = len(exported), len(exported) - (MAX_CHART_CATEGORIES - 1)
    assert f"The chart names 49 of the {groups:,} values of " in html
    assert f"the largest by products ordered; the other {rest:,} are combined as “Other”" in html


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


DAILY_SPEC = """\
report: {title: Daily, slug: daily}
data:
  days: {path: days.csv, columns: {day: {type: date}}}
metrics:
  rain: {expr: sum(days.rain), label: Rain}
  wet: {expr: 'count(days, where="rain > 0")', label: Wet days}
sections:
  - id: bars
    title: Rain a day
    query: {by: [day], metrics: [rain]}
    chart: {type: bar, x: day, y: rain, title: Rain a day}
  - id: wettest
    title: The wettest days
    query: {by: [day], metrics: [rain]}
    chart: {type: hbar, x: day, y: rain, title: The wettest days}
  - id: driest
    title: The driest wet days
    query: {by: [day], metrics: [rain, wet], sort: rain, having: "wet > 0"}
    chart: {type: hbar, x: day, y: rain, title: The driest wet days}
"""


def _daily(folder: Path, days: int) -> pd.DataFrame:
    dates = pd.date_range("2012-01-01", periods=days, freq="D")
    rain = [float((i * 37) % 101) if i % 3 else 0.0 for i in range(days)]
    frame = pd.DataFrame({"day": dates.strftime("%Y-%m-%d"), "rain": rain})
    frame.to_csv(folder / "days.csv", index=False)
    (folder / "report.yaml").write_text(DAILY_SPEC)
    return frame


def test_a_bar_a_day_over_years_draws_every_day_and_a_capped_chart_says_what_it_left_out(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bar chart over 1,500 days draws 1,500 bars in time order (no "Other" of days); the
    hbar over the same days names 49 of them and says so under the chart, in the words of the
    section's sort; a section with ``having`` (no bucket) points to the data export."""
    days = _daily(tmp_path, 1500)
    charted = _charted_by_title(monkeypatch)
    run = run_cli(tmp_path / "report.yaml", "--format", "html", "--quiet")
    assert run.code == 0, run.err
    every_day = charted["Rain a day"]
    assert len(every_day) == 1500
    assert pd.api.types.is_datetime64_any_dtype(every_day["day"])
    assert every_day["rain"].sum() == pytest.approx(days["rain"].sum())

    wettest = charted["The wettest days"]
    assert len(wettest) == MAX_CHART_CATEGORIES
    assert wettest["day"].iloc[-1] == "Other"
    largest = days.nlargest(49, "rain", keep="first")["rain"]
    assert sorted(wettest["rain"].iloc[:-1]) == sorted(largest)
    assert wettest["rain"].iloc[-1] == pytest.approx(days["rain"].sum() - largest.sum())

    wet_days = int((days["rain"] > 0).sum())
    html = (tmp_path / "output" / "daily.html").read_text(encoding="utf-8")
    notes = re.findall(r'<figcaption class="chart-note">([^<]*)</figcaption>', html)
    assert notes == [
        "The chart names 49 of the 1,500 values of Day, the largest by rain; "
        "the other 1,451 are combined as “Other”.",
        f"The chart names 49 of the {wet_days:,} values of Day, the smallest by rain; "
        f"the data export has all {wet_days:,}.",
    ]


def test_a_chart_of_more_points_than_a_chart_shows_is_a_located_error(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """20,001 days as bars: exit 2 at the chart's line in the spec, with the fixes; nothing
    is written (Altair's own 5,000-row limit used to end the build with a traceback)."""
    _daily(tmp_path, MAX_CHART_POINTS + 1)
    spec = DAILY_SPEC[: DAILY_SPEC.index("  - id: wettest")]  # the bar chart alone
    (tmp_path / "report.yaml").write_text(spec)
    run = run_cli(tmp_path / "report.yaml", "--format", "html", "--quiet")
    line = (
        DAILY_SPEC.splitlines().index("    chart: {type: bar, x: day, y: rain, title: Rain a day}")
        + 1
    )
    assert_clean_failure(
        run,
        2,
        f"report.yaml:{line}:12: section 'bars': its bar chart would draw 20,001 points",
        "group by fewer values (a month instead of a day)",
    )
    assert not (tmp_path / "output").exists()


SERIES_SPEC = """\
report: {title: Sales, slug: sales}
data:
  sales: {path: sales.csv}
metrics:
  amount: {expr: sum(sales.amount), label: Amount}
sections:
  - id: lines
    title: Amount a year by shop
    query: {by: [year, shop], metrics: [amount]}
    chart: {type: line, x: year, y: amount, color: shop, title: Shops}
  - id: grid
    title: Amount by shop and year
    query: {by: [shop, year], metrics: [amount]}
    chart: {type: heatmap, x: year, y: shop, color: amount, title: Grid}
  - id: slices
    title: Amount by shop
    query: {by: [shop], metrics: [amount]}
    chart: {type: donut, x: shop, y: amount, title: Slices}
"""


def test_too_many_series_slices_or_heatmap_rows_keep_the_largest_and_say_so(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """60 shops × 4 years: the line chart colours 9 shops and "Other" (ten colours tell ten
    series apart), the heatmap names 49 shop rows and "Other"; both keep the shops with the
    largest amount in a year, and the bucket holds the rest of each year exactly. A donut of
    the 60 shops has the 9 largest slices and one of the rest."""
    rows = [
        {"shop": f"shop {s:02d}", "year": 2020 + y, "amount": float((s * 7919 + y * 104729) % 1000)}
        for s in range(60)
        for y in range(4)
    ]
    sales = pd.DataFrame(rows)
    sales.to_csv(tmp_path / "sales.csv", index=False)
    (tmp_path / "report.yaml").write_text(SERIES_SPEC)
    charted = _charted_by_title(monkeypatch)
    run = run_cli(tmp_path / "report.yaml", "--format", "html", "--quiet")
    assert run.code == 0, run.err
    ranked = sales.sort_values(["amount", "shop"], ascending=[False, True])["shop"]
    for title, named in (("Shops", 9), ("Grid", 49)):
        table = charted[title]
        kept = list(dict.fromkeys(ranked))[:named]
        assert set(table["shop"]) == {*kept, "Other"}, title
        rest = sales[~sales["shop"].isin(kept)].groupby("year")["amount"].sum()
        other = table[table["shop"] == "Other"].set_index("year")["amount"]
        assert other.to_dict() == rest.to_dict(), title
    slices = charted["Slices"].set_index("shop")["amount"]
    totals = sales.groupby("shop")["amount"].sum().sort_values(ascending=False, kind="stable")
    assert slices.drop("Other").sort_values().tolist() == sorted(totals.head(9))
    assert slices["Other"] == totals.iloc[9:].sum()
    html = (tmp_path / "output" / "sales.html").read_text(encoding="utf-8")
    notes = re.findall(r'<figcaption class="chart-note">([^<]*)</figcaption>', html)
    assert notes == [
        "The chart names 9 of the 60 values of Shop, the largest by amount; "
        "the other 51 are combined as “Other”.",
        "The chart names 49 of the 60 values of Shop, the largest by amount; "
        "the other 11 are combined as “Other”.",
        "The chart names 9 of the 60 values of Shop, the largest by amount; "
        "the other 51 are combined as “Other”.",
    ]
