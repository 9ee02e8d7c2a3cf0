"""A chart's data → one plain sentence that states what it shows, for screen readers and search."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from reportgen.charts.common import ColumnInfo, chart_text, column_info, lower_label
from reportgen.spec.models import ChartSpec
from reportgen.style.format import format_value

KIND_NAMES = {
    "bar": "Bar chart",
    "hbar": "Bar chart",
    "grouped": "Grouped bar chart",
    "stacked": "Stacked bar chart",
    "stacked100": "100% stacked bar chart",
    "line": "Line chart",
    "area": "Area chart",
    "heatmap": "Heatmap",
    "histogram": "Histogram",
    "scatter": "Scatter plot",
    "pie": "Pie chart",
    "donut": "Donut chart",
}


def _text(columns: Mapping[str, ColumnInfo], name: str, value: Any, currency: str) -> str:
    info = column_info(columns, name)
    text = chart_text(format_value(value, info.format, currency=currency))  # as on the chart
    # A bare number as a category ('10') reads better with its label ('hour of day 10').
    if not isinstance(value, str) and text.replace(",", "").replace(".", "").isdigit():
        return f"{lower_label(info.label)} {text}"
    return text


def describe(
    spec: ChartSpec,
    frame: pd.DataFrame,
    columns: Mapping[str, ColumnInfo],
    *,
    currency: str = "$",
) -> str:
    """E.g. 'Bar chart of orders by day of week. Highest: Saturday, 600,905; lowest: …'."""

    def label(name: str) -> str:
        return chart_text(lower_label(column_info(columns, name).label), None)

    y = spec.first_measure
    if spec.type == "heatmap" and spec.color:
        measure, keys = spec.color, [y, spec.x]
    elif spec.type == "scatter":
        measure, keys = y, [spec.x]
    else:
        measure = y
        keys = [spec.x] + ([spec.color] if spec.color and spec.color in frame.columns else [])
    keys = [k for k in dict.fromkeys(keys) if k in frame.columns and k != measure]
    if len(spec.measures) > 1:
        names = " and ".join(label(m) for m in spec.measures)
        head = f"{KIND_NAMES[spec.type]} of {names} by {' and '.join(map(label, keys))}"
    elif spec.type == "scatter":
        head = f"{KIND_NAMES[spec.type]} of {label(measure)} against {label(spec.x)}"
    else:
        head = f"{KIND_NAMES[spec.type]} of {label(measure)} by {' and '.join(map(label, keys))}"
    if measure not in frame.columns:
        return f"{head}."
    values = pd.to_numeric(frame[measure], errors="coerce")
    if values.notna().sum() == 0:
        return f"{head}. No data."
    info = column_info(columns, measure)

    def point(position: Any) -> str:
        row = frame.loc[position]
        where = " and ".join(_text(columns, k, row[k], currency) for k in keys)
        number = format_value(values.loc[position], info.format, currency=currency)
        if spec.type in ("pie", "donut") and values.sum():
            share = format_value(values.loc[position] / values.sum(), "percent")
            return f"{where}, {number} ({share})"
        return f"{where}, {number}" if where else number

    ranked = values  # the other bucket is many groups: never named the highest or lowest
    for key in keys:
        other = column_info(columns, key).other
        if other is not None:
            ranked = ranked.where(frame[key].astype(str) != other)
    if ranked.notna().sum() == 0:
        return f"{head}."
    high, low = ranked.idxmax(), ranked.idxmin()
    if spec.type in ("pie", "donut"):
        return f"{head}. Largest: {point(high)}; smallest: {point(low)}."
    if high == low or ranked.nunique() == 1:
        return f"{head}. All values: {point(high)}."
    return f"{head}. Highest: {point(high)}; lowest: {point(low)}."
