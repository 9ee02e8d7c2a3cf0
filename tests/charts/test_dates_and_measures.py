"""Charts of dates and of several measures: JSON-safe dicts, time axes, series per metric, the
table's order for sorted queries, trend lines."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from reportgen.charts.build import ColumnInfo, build_chart
from reportgen.spec.models import ChartSpec


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
