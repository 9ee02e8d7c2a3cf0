"""A chart spec and a section's aggregated result → an Altair chart styled by the theme."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import altair as alt
import pandas as pd

from reportgen.charts import bars, grids, lines
from reportgen.charts.capping import continuous_bars, on_time_axis
from reportgen.charts.common import (
    ChartInput,
    ColumnInfo,
    chart_labels,
    chart_text,
    column_info,
    lower_label,
    wrap_title,
)
from reportgen.spec.models import ChartSpec
from reportgen.style.format import format_value, vega_locale
from reportgen.style.theme import Theme, default_theme, vega_config

__all__ = ["ColumnInfo", "build_chart"]

AnyChart = alt.Chart | alt.LayerChart

# The rows a chart may draw are limited before it is built (``capping.MAX_CHART_POINTS``, a
# located error); Altair's own limit (5,000 rows) would end the build with a traceback.
alt.data_transformers.disable_max_rows()

_KINDS: dict[str, Callable[[ChartInput], bars.Built]] = {
    "bar": bars.bar,
    "hbar": bars.hbar,
    "grouped": bars.grouped,
    "stacked": bars.stacked,
    "stacked100": bars.stacked100,
    "histogram": bars.histogram,
    "line": lines.line,
    "area": lines.area,
    "scatter": lines.scatter,
    "heatmap": grids.heatmap,
    "pie": grids.pie,
    "donut": grids.donut,
}


MEASURE, VALUE = "_measure", "_value"  # the long form of several measures


def one_measure(
    spec: ChartSpec, frame: pd.DataFrame, columns: Mapping[str, ColumnInfo]
) -> tuple[ChartSpec, pd.DataFrame, dict[str, ColumnInfo]]:
    """Several measures (``y: [high, low]``) as one series each: the result in long form, one
    row per x and measure, coloured by the measure (bars side by side). One measure: as is."""
    measures = spec.measures
    if len(measures) == 1:
        return spec.model_copy(update={"y": measures[0]}), frame, dict(columns)
    missing = [m for m in measures if m not in frame.columns]
    if missing or spec.x not in frame.columns:
        _check_columns(spec.model_copy(update={"y": measures[0]}), frame)
        msg = f"{spec.type} chart: column(s) {', '.join(missing)} not in the result"
        raise ValueError(msg)
    labels = [column_info(columns, m).label for m in measures]
    long = frame.melt(id_vars=[spec.x], value_vars=measures, var_name=MEASURE, value_name=VALUE)
    long[MEASURE] = pd.Categorical(
        long[MEASURE].map(dict(zip(measures, labels, strict=True))), categories=labels, ordered=True
    )
    first = column_info(columns, measures[0])
    infos = {
        **columns,
        MEASURE: ColumnInfo("Measure", "text", tuple(labels)),
        VALUE: ColumnInfo(" and ".join([labels[0], *map(lower_label, labels[1:])]), first.format),
    }
    kind = "grouped" if spec.type == "bar" else spec.type
    return spec.model_copy(update={"y": VALUE, "color": MEASURE, "type": kind}), long, infos


def dates_as_labels(
    spec: ChartSpec, frame: pd.DataFrame, columns: Mapping[str, ColumnInfo]
) -> tuple[pd.DataFrame, dict[str, ColumnInfo]]:
    """Date columns drawn as categories (bars, pies, heatmaps, colours) as their formatted text
    ('2015 Q3', 'Jul 2015'), in time order; the x of a line, area or scatter stays a time axis."""
    frame, infos = frame.copy(), dict(columns)
    time_axis = on_time_axis(spec, frame)
    for name in frame.columns:
        series = frame[name]
        if name == spec.x and time_axis:
            continue
        info = column_info(columns, name)
        dates = _dates_in(series, info.other)
        if dates is None:
            continue
        texts = {value: format_value(pd.Timestamp(value), info.format) for value in dates}
        if info.other is not None:
            texts[info.other] = info.other  # a capped chart's bucket: last, as it is
        frame[name] = pd.Series([texts.get(v) for v in series], index=series.index, dtype=object)
        infos[name] = replace(info, order=tuple(dict.fromkeys(texts.values())))
    return frame, infos


def _dates_in(series: pd.Series, other: str | None) -> list[Any] | None:
    """The dates of a date column in time order, also when a capped chart table holds them
    beside its other bucket; None for any other column."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return sorted(series.dropna().unique())
    if series.dtype != object:
        return None
    values = [v for v in series.dropna().unique() if v != other]
    if not values or not all(isinstance(v, pd.Timestamp) for v in values):
        return None
    return sorted(values)


def _check_columns(spec: ChartSpec, frame: pd.DataFrame) -> None:
    needed = [spec.x] + ([spec.first_measure] if spec.type != "histogram" else [])
    if spec.color and spec.type != "line" and spec.type != "area" and spec.type != "scatter":
        needed.append(spec.color)
    missing = [name for name in needed if name not in frame.columns]
    if missing:
        msg = (
            f"{spec.type} chart: column(s) {', '.join(missing)} not in the result "
            f"(it has {', '.join(map(str, frame.columns))})"
        )
        raise ValueError(msg)


def build_chart(
    spec: ChartSpec,
    frame: pd.DataFrame,
    *,
    columns: Mapping[str, ColumnInfo],
    title: str,
    currency: str = "$",
    theme: Theme | None = None,
    row_order: bool = False,
) -> AnyChart:
    """Draw ``frame`` (a small aggregated result) as ``spec`` says, in the report's theme.

    ``columns`` gives each result column's display label, number format and category order;
    axis formats use the same formats as tables and text. ``row_order``: the result is sorted
    (the query's ``sort``), so the categories are drawn in the rows' order, as in the table.
    """
    spec, frame, columns = one_measure(spec, frame, columns)
    frame, columns = dates_as_labels(spec, frame, columns)
    _check_columns(spec, frame)
    theme = theme or default_theme()
    frame, columns = chart_labels(frame, columns)  # no control characters, no endless names
    draw = _KINDS[spec.type]
    if continuous_bars(spec, frame):
        draw = lines.continuous_bars
    chart, plot_height = draw(ChartInput(spec, frame, columns, currency, theme, row_order))
    title = chart_text(title, None)
    wrapped = wrap_title(title, theme)
    title_height = (len(wrapped) if isinstance(wrapped, list) else 1) * (theme.title_size + 4) + 12
    # Set on the chart just built (no other reference): Altair's ``properties`` and
    # ``configure`` copy and validate the whole chart each call, 0.3 s per report.
    chart.width = theme.chart_width
    chart.height = plot_height + (title_height if title else 0)
    if title:
        chart.title = alt.TitleParams(text=wrapped)
    chart.config = {**vega_config(theme), "locale": vega_locale(currency)}
    return chart
