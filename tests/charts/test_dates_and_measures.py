"""Charts of dates and of several measures: JSON-safe dicts, time axes, series per metric, the
table's order for sorted queries, trend lines."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from reportgen.charts.build import ColumnInfo, build_chart
from reportgen.charts.capping import MAX_CHART_CATEGORIES, Cap, chart_cap
from reportgen.spec.models import AnalysisSection, ChartSpec


def _dict(spec: dict[str, Any], frame: pd.DataFrame, columns: dict[str, ColumnInfo], **kw: Any):
    chart = build_chart(ChartSpec.model_validate(spec), frame, columns=columns, title="", **kw)
    return json.loads(json.dumps(chart.to_dict()))  # no value JSON cannot take


def _rows(chart: dict[str, Any]) -> list[dict[str, Any]]:
    return next(iter(chart["datasets"].values()))


def _encodings(chart: dict[str, Any]) -> list[dict[str, Any]]:
    return [layer["encoding"] for layer in chart.get("layer", [chart]) if "encoding" in layer]


QUARTERS = pd.DataFrame(
    {"start": pd.to_datetime(["2015-04-01", "2015-01-01", "2015-07-01"]), "rain": [3.0, 9.0, 1.0]}
)
INFO = {"start": ColumnInfo("Quarter", "quarter"), "rain": ColumnInfo("Rain", "number;d=1")}


def test_dates_as_bar_categories_print_in_their_format_and_time_order() -> None:
    chart = _dict({"type": "bar", "x": "start", "y": "rain"}, QUARTERS, INFO)
    x = next(e["x"] for e in _encodings(chart) if "x" in e)
    assert x["sort"] == ["2015 Q1", "2015 Q2", "2015 Q3"]
    assert {r["start"] for r in _rows(chart)} == {"2015 Q1", "2015 Q2", "2015 Q3"}


def test_a_sorted_query_keeps_the_rows_order() -> None:
    frame = pd.DataFrame(
        {"kind": pd.Categorical(["b", "a", "c"], ["a", "b", "c"], ordered=True), "n": [1, 2, 3]}
    )
    info = {"kind": ColumnInfo("Kind", "text", ("a", "b", "c")), "n": ColumnInfo("N", "integer")}
    natural = _dict({"type": "hbar", "x": "kind", "y": "n"}, frame, info)
    sorted_rows = _dict({"type": "hbar", "x": "kind", "y": "n"}, frame, info, row_order=True)
    assert next(e["y"] for e in _encodings(natural) if "y" in e)["sort"] == ["a", "b", "c"]
    assert next(e["y"] for e in _encodings(sorted_rows) if "y" in e)["sort"] == ["b", "a", "c"]


def test_two_measures_make_two_series_on_a_time_axis() -> None:
    frame = pd.DataFrame(
        {
            "month": pd.to_datetime(["2015-01-01", "2015-02-01"]),
            "high": [7.0, 9.0],
            "low": [1.0, 2.0],
        }
    )
    info = {
        "month": ColumnInfo("Month", "month"),
        "high": ColumnInfo("Average high", "number;d=1"),
        "low": ColumnInfo("Average low", "number;d=1"),
    }
    chart = _dict({"type": "line", "x": "month", "y": ["high", "low"]}, frame, info)
    encoding = _encodings(chart)[0]
    assert encoding["x"]["type"] == "temporal"
    assert encoding["color"]["scale"]["domain"] == ["Average high", "Average low"]
    values = sorted((r["_measure"], r["_value"]) for r in _rows(chart))
    assert values == [
        ("Average high", 7.0),
        ("Average high", 9.0),
        ("Average low", 1.0),
        ("Average low", 2.0),
    ]
    assert encoding["y"]["axis"]["format"] == ",.1~f"


def test_scatter_trend_is_a_regression_layer() -> None:
    frame = pd.DataFrame(
        {"name": ["a", "b", "c"], "hp": [100.0, 150.0, 200.0], "mpg": [30.0, 20.0, 12.0]}
    )
    info = {"hp": ColumnInfo("Horsepower", "number"), "mpg": ColumnInfo("MPG", "number")}
    chart = _dict({"type": "scatter", "x": "hp", "y": "mpg", "trend": True}, frame, info)
    regressions = [
        t for layer in chart["layer"] for t in layer.get("transform", []) if "regression" in t
    ]
    assert regressions == [{"regression": "mpg", "on": "hp"}]
    plain = _dict({"type": "scatter", "x": "hp", "y": "mpg"}, frame, info)
    assert "regression" not in json.dumps(plain)
    x_axis = next(e["x"] for e in _encodings(chart) if "x" in e)["axis"]
    assert x_axis["format"] == ",~f"  # never scientific notation


def test_a_bar_a_day_over_years_is_drawn_on_a_time_axis_with_every_day() -> None:
    days = pd.date_range("2013-01-01", periods=400, freq="D")
    rain = [float((i * 53) % 97) for i in range(400)]
    frame = pd.DataFrame({"day": days, "rain": rain})
    info = {"day": ColumnInfo("Day", "date"), "rain": ColumnInfo("Rain", "number;d=1")}
    chart = _dict({"type": "bar", "x": "day", "y": "rain"}, frame, info)
    x = next(e["x"] for e in _encodings(chart) if "x" in e)
    assert x["type"] == "temporal"
    assert "sort" not in x
    rows = _rows(chart)
    assert len(rows) == 400  # every day a bar, none merged
    assert [r["_highlight"] for r in rows].count(True) == 1
    assert rows[[r["_highlight"] for r in rows].index(True)]["rain"] == max(rain)
    few = _dict({"type": "bar", "x": "day", "y": "rain"}, frame.head(20), info)
    assert next(e["x"] for e in _encodings(few) if "x" in e)["type"] == "ordinal"  # named days


def test_a_capped_table_of_dates_prints_them_in_time_order_with_other_last() -> None:
    """The chart table of the 3 wettest months and the bucket: dates beside text in one
    column. The months print in their format, in time order; "Other" is last and, though
    its sum is the largest, never the highlighted bar."""
    months = [pd.Timestamp("2015-03-01"), pd.Timestamp("2014-11-01"), pd.Timestamp("2015-01-01")]
    frame = pd.DataFrame(
        {"month": pd.Series([*months, "Other"], dtype=object), "rain": [9.0, 7.0, 8.0, 90.0]}
    )
    info = {
        "month": ColumnInfo("Month", "month", other="Other"),
        "rain": ColumnInfo("Rain", "number;d=1"),
    }
    chart = _dict({"type": "hbar", "x": "month", "y": "rain"}, frame, info)
    y = next(e["y"] for e in _encodings(chart) if "y" in e)
    assert y["sort"] == ["Nov 2014", "Jan 2015", "Mar 2015", "Other"]
    highlighted = [r["month"] for r in _rows(chart) if r["_highlight"]]
    assert highlighted == ["Mar 2015"]


def test_rows_of_a_long_hbar_fit_one_printed_page() -> None:
    def height(count: int) -> int:
        frame = pd.DataFrame({"name": [f"n{i}" for i in range(count)], "v": range(count)})
        return int(_dict({"type": "hbar", "x": "name", "y": "v"}, frame, {})["height"])

    assert height(10) == 10 * 24 + 40  # a row per band step, the axis below
    assert height(30) == 30 * 24 + 40
    assert height(50) == height(500) == 760  # narrower rows, never taller than a page holds


def test_a_histograms_counts_never_print_in_scientific_notation() -> None:
    frame = pd.DataFrame({"v": [float(i % 17) for i in range(70_000)]})
    chart = _dict({"type": "histogram", "x": "v", "y": "v"}, frame, {})
    y = next(e["y"] for e in _encodings(chart) if "y" in e)
    assert y["axis"]["format"] == ",d"


def test_a_bar_over_many_numbers_is_drawn_on_a_number_axis_and_not_capped() -> None:
    """Models per horsepower: 93 values held as objects (as a JSON source gives them). The bars
    stand on a number axis in order, none merged; an hbar of the same names its 49 largest."""
    powers = [46 + 2 * i for i in range(93)]
    frame = pd.DataFrame(
        {"hp": pd.Series(powers, dtype=object), "models": [(i * 7) % 23 for i in range(93)]}
    )
    chart = _dict({"type": "bar", "x": "hp", "y": "models"}, frame, {})
    x = next(e["x"] for e in _encodings(chart) if "x" in e)
    assert x["type"] == "quantitative"
    assert len(_rows(chart)) == 93
    section = AnalysisSection.model_validate(
        {
            "id": "s",
            "title": "t",
            "query": {"by": ["hp"], "metrics": ["models"]},
            "chart": {"type": "bar", "x": "hp", "y": "models"},
        }
    )
    assert chart_cap(section, frame) is None
    hbar = section.model_copy(update={"chart": ChartSpec(type="hbar", x="hp", y="models")})
    assert chart_cap(hbar, frame) == Cap("hp", MAX_CHART_CATEGORIES)
