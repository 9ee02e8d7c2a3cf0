"""Alt text: one sentence from the data with the largest and smallest values."""

from __future__ import annotations

import pandas as pd

from reportgen.charts.alt_text import describe
from reportgen.charts.build import ColumnInfo
from reportgen.spec.models import ChartSpec

DAYS = ("Saturday", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def test_bar_sentence() -> None:
    frame = pd.DataFrame(
        {"day": list(DAYS), "orders": [600905, 587478, 467260, 436972, 430112, 443009, 519101]}
    )
    columns = {
        "day": ColumnInfo("Day of week", "text", DAYS),
        "orders": ColumnInfo("Orders", "integer"),
    }
    text = describe(ChartSpec(type="bar", x="day", y="orders"), frame, columns)
    assert text == (
        "Bar chart of orders by day of week. Highest: Saturday, 600,905; lowest: Wednesday, 430,112."
    )


def test_heatmap_names_both_keys() -> None:
    frame = pd.DataFrame(
        {"hour": [3, 10, 3, 10], "day": ["Sat", "Sat", "Sun", "Sun"], "orders": [5, 99, 4, 80]}
    )
    columns = {
        "hour": ColumnInfo("Hour of day", "integer"),
        "day": ColumnInfo("Day", "text"),
        "orders": ColumnInfo("Orders", "integer"),
    }
    spec = ChartSpec(type="heatmap", x="hour", y="day", color="orders")
    assert describe(spec, frame, columns) == (
        "Heatmap of orders by day and hour of day. "
        "Highest: Sat and hour of day 10, 99; lowest: Sun and hour of day 3, 4."
    )


def test_donut_gives_shares_and_currency() -> None:
    frame = pd.DataFrame({"range": ["Low", "Mid", "High"], "revenue": [25.0, 70.0, 5.0]})
    columns = {
        "range": ColumnInfo("Price range", "text"),
        "revenue": ColumnInfo("Revenue", "currency"),
    }
    assert describe(ChartSpec(type="donut", x="range", y="revenue"), frame, columns) == (
        "Donut chart of revenue by price range. "
        "Largest: Mid, $70.00 (70.0%); smallest: High, $5.00 (5.0%)."
    )


def test_empty_and_flat_results() -> None:
    spec = ChartSpec(type="hbar", x="d", y="n")
    assert describe(spec, pd.DataFrame({"d": [], "n": []}), {}) == "Bar chart of n by d. No data."
    flat = pd.DataFrame({"d": ["a", "b"], "n": [3, 3]})
    assert describe(spec, flat, {}) == "Bar chart of n by d. All values: a, 3."


def test_the_other_bucket_is_never_named_highest_or_lowest() -> None:
    """Top 2 departments and the bucket of 19 others: the bucket's sum is the largest bar, but
    the sentence names the largest and smallest real departments (as the highlight does)."""
    frame = pd.DataFrame({"dept": ["produce", "dairy", "Other"], "lines": [900, 500, 4100]})
    columns = {
        "dept": ColumnInfo("Department", "text", other="Other"),
        "lines": ColumnInfo("Lines", "integer"),
    }
    for kind in ("bar", "pie"):
        text = describe(ChartSpec(type=kind, x="dept", y="lines"), frame, columns)
        assert "Other" not in text, text
        assert "produce, 900" in text
        assert "dairy, 500" in text
