"""The interactive chart spec: tooltips in the report's formats, JSON safe inside <script>."""

from __future__ import annotations

import copy
import json

import pandas as pd

from reportgen.charts.build import ColumnInfo, build_chart
from reportgen.charts.interactive import interactive_spec, script_json
from reportgen.spec.models import ChartSpec


def _chart() -> dict:
    frame = pd.DataFrame(
        {"department": ["</script><b>x", "produce"], "revenue": [1234.5, 99.0], "share": [0.4, 0.6]}
    )
    columns = {
        "department": ColumnInfo("Department", "text"),
        "revenue": ColumnInfo("Revenue", "currency"),
        "share": ColumnInfo("Share", "percent"),
    }
    spec = ChartSpec(type="hbar", x="department", y="revenue")
    return build_chart(spec, frame, columns=columns, title="Revenue").to_dict(validate=False)


COLUMNS = {
    "department": ColumnInfo("Department", "text"),
    "revenue": ColumnInfo("Revenue", "currency"),
}


def test_every_mark_gets_the_values_in_the_report_formats() -> None:
    chart = _chart()
    before = copy.deepcopy(chart)
    live = interactive_spec(chart, COLUMNS, "$", "Bar chart of revenue by department.")
    assert chart == before  # the static chart's spec is left as it was
    assert live["description"] == "Bar chart of revenue by department."
    assert "$schema" not in live
    tooltips = [
        unit["encoding"]["tooltip"]
        for unit in [live, *live.get("layer", [])]
        if "tooltip" in unit.get("encoding", {})
    ]
    assert tooltips
    for tooltip in tooltips:
        by_field = {item["field"]: item for item in tooltip}
        assert by_field["revenue"]["format"] == "$,.2f"
        assert by_field["revenue"]["title"] == "Revenue"
        assert "format" not in by_field["department"]
        assert set(by_field) <= {"department", "revenue"}  # no helper fields


def test_script_json_cannot_end_the_script_element() -> None:
    live = interactive_spec(_chart(), COLUMNS)
    text = script_json(live)
    for character in "<>&":
        assert character not in text
    assert json.loads(text) == json.loads(json.dumps(live))  # the same data, "</script>" too


def test_missing_and_infinite_numbers_are_null() -> None:
    text = script_json({"values": [float("nan"), float("inf"), 1.5], "domain": (0, float("-inf"))})
    assert json.loads(text) == {"domain": [0, None], "values": [None, None, 1.5]}


def test_a_tooltip_d3_cannot_write_is_finished_in_the_browser_as_the_tables_write_it() -> None:
    from reportgen.charts.convert import convert

    frame = pd.DataFrame({"city.name": ["Oslo", "Bergen"], "rain": [120.25, 480.0]})
    columns = {
        "city.name": ColumnInfo("City", "text"),
        "rain": ColumnInfo("Rain", "number;d=1;s= mm"),
    }
    spec = ChartSpec(type="bar", x="city.name", y="rain")
    chart = build_chart(spec, frame, columns=columns, title="Rain").to_dict(validate=False)
    live = interactive_spec(chart, columns)
    units = [live, *live.get("layer", [])]
    calculated = [step for unit in units for step in unit.get("transform", [])]
    tooltips = [u["encoding"]["tooltip"] for u in units if "tooltip" in u.get("encoding", {})]
    assert calculated
    assert tooltips
    for tooltip in tooltips:
        rain = next(item for item in tooltip if item["title"] == "Rain")
        assert rain["type"] == "nominal"
        assert rain["field"].startswith("_shown_")
    # The expression, run by Vega itself on the chart's rows, writes what the table writes.
    check = {
        "data": {"values": frame.to_dict("records")},
        "transform": [calculated[0]],
        "mark": "text",
        "encoding": {"text": {"field": calculated[0]["as"]}, "y": {"field": "city\\.name"}},
    }
    svg = convert(check)
    assert ">120.3 mm<" in svg
    assert ">480.0 mm<" in svg


def test_a_time_axis_tooltip_writes_dates_as_the_table_does() -> None:
    """A line over months and one over quarters: the tooltip says 'Jul 2015' and '2015 Q3'
    (as the table and the text), not the browser's default 'Jul 1, 2015'."""
    for fmt, pattern in (("month", "%b %Y"), ("quarter", "%Y Q%q"), ("date", "%Y-%m-%d")):
        frame = pd.DataFrame(
            {"start": pd.to_datetime(["2015-04-01", "2015-07-01"]), "rain": [3.0, 9.0]}
        )
        columns = {"start": ColumnInfo("Period", fmt), "rain": ColumnInfo("Rain", "decimal")}
        spec = ChartSpec(type="line", x="start", y="rain")
        chart = build_chart(spec, frame, columns=columns, title="").to_dict(validate=False)
        live = interactive_spec(chart, columns)
        tips = [
            tip
            for unit in [live, *live.get("layer", [])]
            for tip in unit.get("encoding", {}).get("tooltip", [])
            if tip.get("field") == "start"
        ]
        assert tips
        assert {tip["format"] for tip in tips} == {pattern}
