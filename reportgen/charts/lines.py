"""Chart kinds over a continuous x: line, area, scatter, and bars over more dates or numbers
than a chart can name."""

from __future__ import annotations

from typing import Any, Literal

import altair as alt
import pandas as pd

from reportgen.charts.bars import VALUE_AXIS_SPACE, Built
from reportgen.charts.common import (
    ChartInput,
    field,
    legend_rows_height,
    plain_rows,
    series_colour,
)


def _x_encoding(inp: ChartInput, x: str, padding: float = 0.0) -> alt.X:
    """Time and numbers on a continuous axis (integers without separators); text as ordinal.
    ``padding``: px kept free at each end of a continuous axis (for bars centred on values)."""
    if inp.is_temporal(x):
        axis = time_axis(inp.frame[x])
        if padding:
            scale = alt.Scale(padding=padding)
            return alt.X(field(x), type="temporal", title=inp.label(x), axis=axis, scale=scale)
        return alt.X(field(x), type="temporal", title=inp.label(x), axis=axis)
    if inp.is_numeric(x):
        values = pd.to_numeric(inp.frame[x], errors="coerce").dropna()
        guide = inp.guide(x)
        integers = bool((values % 1 == 0).all()) if len(values) else False
        if integers and guide["format"] in (",", ",~f") and values.abs().max() < 10_000:
            guide["format"] = "d"
        scale = alt.Scale(nice=False, zero=False)
        if len(values):
            scale = alt.Scale(domain=[float(values.min()), float(values.max())], nice=False)
        if padding:
            scale.padding = padding
        if integers:
            guide["tickMinStep"] = 1
        axis = alt.Axis(**guide, labelAngle=0)
        return alt.X(field(x), type="quantitative", title=inp.label(x), scale=scale, axis=axis)
    order = inp.categories(x, None)
    return alt.X(
        field(x),
        type="ordinal",
        sort=order,
        title=inp.label(x),
        axis=alt.Axis(labelAngle=0, labelLimit=120),
        scale=alt.Scale(padding=0.3),
    )


def time_axis(values: pd.Series) -> alt.Axis:
    """A time axis with ticks a reader counts in: years over long spans ('2014'), months over
    months ('Jul 2015'), days over days ('1 Jul'); never crowded labels."""
    present = pd.to_datetime(values.dropna())
    span = (present.max() - present.min()).days if len(present) else 0
    if span >= 3 * 365:
        return alt.Axis(format="%Y", tickCount="year", labelAngle=0)
    if span >= 90:
        step = max(1, round(span / 30 / 8))
        return alt.Axis(format="%b %Y", tickCount={"interval": "month", "step": step}, labelAngle=0)
    return alt.Axis(format="%-d %b", labelAngle=0)


def _y_encoding(inp: ChartInput, y: str, *, stack: Literal["zero"] | None = None) -> alt.Y:
    values = pd.to_numeric(inp.frame[y], errors="coerce")
    zero = bool(values.min() >= 0) if values.notna().any() else True
    return alt.Y(
        field(y),
        type="quantitative",
        title=inp.label(y),
        stack=stack,
        scale=alt.Scale(zero=zero),
        axis=alt.Axis(**inp.guide(y), tickCount=5),
    )


def _series(inp: ChartInput) -> tuple[str | None, list[Any]]:
    colour = inp.spec.color
    if colour is None or colour not in inp.frame.columns:
        return None, []
    return colour, inp.categories(colour, inp.y)


def _highlight_layers(inp: ChartInput, rows: pd.DataFrame, x_enc: alt.X) -> list[alt.Chart]:
    """The highlighted point in the accent colour, with its value above it."""
    y = inp.y
    point = (
        alt.Chart(rows)
        .transform_filter("datum._highlight")
        .mark_point(filled=True, size=80, color=inp.theme.accent, opacity=1)
        .encode(x=x_enc, y=alt.Y(field(y), type="quantitative"))
    )
    layers = [point]
    if inp.spec.labels:
        layers.append(
            point.mark_text(baseline="bottom", dy=-8, fontWeight="bold").encode(
                text=alt.Text("_label:N")
            )
        )
    return layers


def _rows(inp: ChartInput, names: list[str]) -> pd.DataFrame:
    rows = plain_rows(inp.frame[names])
    y = inp.y
    rows["_label"] = [inp.text(y, v) for v in rows[y]]
    rows["_highlight"] = inp.highlight_flags(rows[y])
    return rows


def line(inp: ChartInput, *, area: bool = False) -> Built:
    """One line (the highlighted point labelled), or one coloured line per series."""
    x, y, theme = inp.spec.x, inp.y, inp.theme
    colour, series = _series(inp)
    height = inp.spec.height or theme.chart_height
    x_enc = _x_encoding(inp, x)
    if colour is None:
        rows = _rows(inp, [x, y])
        base = alt.Chart(rows).encode(x=x_enc, y=_y_encoding(inp, y))
        layers: list[alt.Chart] = []
        if area:
            layers.append(base.mark_area(color=theme.base, opacity=0.45))
        layers.append(base.mark_line(color=theme.brand, strokeWidth=2))
        if len(rows) <= 40:
            layers.append(base.mark_point(filled=True, size=22, color=theme.brand, opacity=1))
        return alt.LayerChart(layer=[*layers, *_highlight_layers(inp, rows, x_enc)]), height
    rows = _rows(inp, [x, y, colour])
    rank = {value: i for i, value in enumerate(series)}
    rows["_rank"] = [rank.get(v, len(rank)) for v in rows[colour]]
    colour_enc = series_colour(inp, colour, series)
    if area:
        chart = (
            alt.Chart(rows)
            .mark_area(opacity=0.85, line={"strokeWidth": 1, "color": "#ffffff"})
            .encode(
                x=x_enc,
                y=_y_encoding(inp, y, stack="zero"),
                color=colour_enc,
                order=alt.Order("_rank:Q", sort="ascending"),
            )
        )
        return chart, height + 24 + legend_rows_height(series, inp.theme)
    chart = (
        alt.Chart(rows)
        .mark_line(strokeWidth=2, point=len(rows) <= 60)
        .encode(x=x_enc, y=_y_encoding(inp, y), color=colour_enc)
    )
    return chart, height + 24 + legend_rows_height(series, inp.theme)


def continuous_bars(inp: ChartInput) -> Built:
    """A bar per value on a time or number axis, for more dates or numbers than fit as named
    categories (a day's bars over years, models per horsepower): every value drawn in its
    order, none merged into an other bucket; the highlighted bar in the accent colour, its
    value above it."""
    x, y, theme = inp.spec.x, inp.y, inp.theme
    rows = _rows(inp, [x, y])
    rows["_colour"] = [theme.accent if flag else theme.base for flag in rows["_highlight"]]
    if inp.is_temporal(x):
        dates = pd.to_datetime(inp.frame[x].dropna()).drop_duplicates().sort_values()
        positions = (dates - dates.min()) / pd.Timedelta(days=1)
    else:
        positions = pd.to_numeric(inp.frame[x], errors="coerce").dropna().drop_duplicates()
        positions = positions.sort_values()
    span = max(float(positions.max() - positions.min()), 1e-9)
    shortest = float(positions.diff().min())
    width = max(0.5, 0.8 * (theme.chart_width - VALUE_AXIS_SPACE) * shortest / span)
    x_enc = _x_encoding(inp, x, padding=width)  # the first and last bars inside the plot
    base = alt.Chart(rows).encode(x=x_enc, y=_y_encoding(inp, y))
    layers = [base.mark_bar(width=width).encode(color=alt.Color("_colour:N", scale=None))]
    if inp.spec.labels:
        layers.append(
            base.transform_filter("datum._highlight")
            .mark_text(baseline="bottom", dy=-3, fontSize=theme.font_size - 1)
            .encode(text=alt.Text("_label:N"))
        )
    return alt.LayerChart(layer=layers), inp.spec.height or theme.chart_height


def area(inp: ChartInput) -> Built:
    """A filled line; with a colour column, stacked areas."""
    return line(inp, area=True)


def scatter(inp: ChartInput) -> Built:
    """Points on two numeric axes; the highlighted point in the accent colour."""
    x, y, theme = inp.spec.x, inp.y, inp.theme
    colour, series = _series(inp)
    height = inp.spec.height or theme.chart_height
    names = [x, y] + ([colour] if colour else [])
    rows = _rows(inp, names)
    x_enc = alt.X(
        field(x),
        type="quantitative",
        title=inp.label(x),
        scale=alt.Scale(zero=False),
        axis=alt.Axis(**inp.guide(x), tickCount=6),
    )
    y_enc = _y_encoding(inp, y).scale(zero=False)
    points = alt.Chart(rows).mark_point(filled=True, size=60, opacity=0.85)
    trend = _trend_layers(inp, rows, x_enc, y_enc)
    if colour:
        layer = points.encode(x=x_enc, y=y_enc, color=series_colour(inp, colour, series))
        extra = 24 + legend_rows_height(series, inp.theme)
        layers = [layer, *trend, *_highlight_layers(inp, rows, x_enc)]
        return alt.LayerChart(layer=layers), height + extra
    layer = points.encode(x=x_enc, y=y_enc, color=alt.ColorValue(theme.base))
    return alt.LayerChart(layer=[layer, *trend, *_highlight_layers(inp, rows, x_enc)]), height


def _trend_layers(inp: ChartInput, rows: pd.DataFrame, x_enc: alt.X, y_enc: alt.Y) -> list[Any]:
    """With ``trend: true``, the least-squares line through all the points (one line, not one
    per colour), dashed in the brand colour."""
    if not inp.spec.trend:
        return []
    x, y = inp.spec.x, inp.y
    line = (
        alt.Chart(rows)
        .transform_filter(f"isValid(datum[{field(x)!r}]) && isValid(datum[{field(y)!r}])")
        .transform_regression(field(x), field(y))
        .mark_line(color=inp.theme.brand, strokeWidth=2, strokeDash=[6, 4])
        .encode(x=x_enc, y=y_enc)
    )
    return [line]
