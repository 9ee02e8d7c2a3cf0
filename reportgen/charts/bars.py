"""Bar-like chart kinds: bar, hbar, grouped, stacked, stacked100 and histogram."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from reportgen.charts.common import (
    ChartInput,
    band_height,
    category_axis,
    field,
    legend_rows_height,
    plain_rows,
    series_colour,
    text_width,
)

Built = tuple[alt.Chart | alt.LayerChart, int]

# Space the value axis (tick labels and title) takes beside the plot, in px.
VALUE_AXIS_SPACE = 72
CATEGORY_AXIS_SPACE = 40


def _value_rows(inp: ChartInput, x: str, y: str) -> pd.DataFrame:
    """The x and y columns with a formatted label, a highlight flag and a bar colour per row."""
    rows = plain_rows(inp.frame[[x, y]])
    flags = inp.highlight_flags(rows[y])
    rows["_label"] = [inp.text(y, v) for v in rows[y]]
    rows["_highlight"] = flags
    rows["_colour"] = [inp.theme.accent if f else inp.theme.base for f in flags]
    return rows


def _category_label_width(inp: ChartInput, categories: list[Any]) -> float:
    size = inp.theme.font_size
    return max((text_width(str(c), size) for c in categories), default=0.0)


def _label_width(rows: pd.DataFrame, size: float) -> float:
    return max((text_width(str(v), size) for v in rows["_label"]), default=0.0)


def bar(inp: ChartInput) -> Built:
    """Vertical bars; nominal categories whose names do not fit are drawn as horizontal bars."""
    x, y, theme = inp.spec.x, inp.y, inp.theme
    categories = inp.categories(x, y)
    natural = inp.natural_order(x) is not None
    step = (theme.chart_width - VALUE_AXIS_SPACE) / max(1, len(categories))
    longest = _category_label_width(inp, categories)
    if not natural and longest > step * 0.9 and len(categories) > 1:
        return hbar(inp)
    axis, extra = category_axis([str(c) for c in categories], step, theme.font_size)
    rows = _value_rows(inp, x, y)
    base = alt.Chart(rows).encode(
        x=alt.X(
            field(x),
            type="ordinal" if natural else "nominal",
            sort=categories,
            title=inp.label(x),
            axis=alt.Axis(**axis),
        ),
        y=alt.Y(
            field(y),
            type="quantitative",
            title=inp.label(y),
            axis=alt.Axis(**inp.guide(y), tickCount=5),
        ),
    )
    bars = base.mark_bar(width={"band": 0.78}).encode(color=alt.Color("_colour:N", scale=None))
    layers: list[alt.Chart] = [bars]
    if inp.spec.labels:
        text = base.mark_text(baseline="bottom", dy=-3, fontSize=theme.font_size - 1).encode(
            text=alt.Text("_label:N")
        )
        if _label_width(rows, theme.font_size - 1) > step * 0.95:
            text = text.transform_filter("datum._highlight")  # label only the highlighted bar
        layers.append(text)
    return alt.LayerChart(layer=layers), (inp.spec.height or theme.chart_height) + extra


def hbar(inp: ChartInput) -> Built:
    """Horizontal bars sorted by value (unless the categories have a natural order)."""
    x, y, theme = inp.spec.x, inp.y, inp.theme
    categories = inp.categories(x, y)
    rows = _value_rows(inp, x, y)
    name_width = min(220.0, _category_label_width(inp, categories))
    plot_width = theme.chart_width - name_width - 24
    values = pd.to_numeric(rows[y], errors="coerce")
    high, low = float(values.max()), min(0.0, float(values.min()))
    scale = alt.Scale()
    if inp.spec.labels and high > 0:
        room = _label_width(rows, theme.font_size) + 8
        scale = alt.Scale(domain=[low, high * plot_width / max(1.0, plot_width - room)], nice=False)
    base = alt.Chart(rows).encode(
        y=alt.Y(
            field(x),
            type="ordinal" if inp.natural_order(x) is not None else "nominal",
            sort=categories,
            title=None,
            axis=alt.Axis(labelLimit=220, labelPadding=6),
        ),
        x=alt.X(
            field(y),
            type="quantitative",
            title=inp.label(y),
            scale=scale,
            axis=alt.Axis(**inp.guide(y), tickCount=5),
        ),
    )
    bars = base.mark_bar(height={"band": 0.72}).encode(color=alt.Color("_colour:N", scale=None))
    layers: list[alt.Chart] = [bars]
    if inp.spec.labels:
        layers.append(
            base.mark_text(align="left", baseline="middle", dx=4).encode(text=alt.Text("_label:N"))
        )
    height = inp.spec.height or band_height(len(categories), theme, extra=CATEGORY_AXIS_SPACE)
    return alt.LayerChart(layer=layers), height


def _series_rows(inp: ChartInput, x: str, y: str, colour: str) -> tuple[pd.DataFrame, list[Any]]:
    rows = plain_rows(inp.frame[[x, y, colour]])
    series = inp.categories(colour, y)
    rank = {value: i for i, value in enumerate(series)}
    rows["_rank"] = [rank.get(v, len(rank)) for v in rows[colour]]
    rows["_label"] = [inp.text(y, v) for v in rows[y]]
    return rows, series


def _require_colour(inp: ChartInput) -> str:
    if inp.spec.color is None:
        msg = f"a {inp.spec.type} chart needs 'color': the column that splits the bars"
        raise ValueError(msg)
    return inp.spec.color


def grouped(inp: ChartInput) -> Built:
    """Bars side by side within each category, one colour per series."""
    x, y, theme = inp.spec.x, inp.y, inp.theme
    colour = _require_colour(inp)
    rows, series = _series_rows(inp, x, y, colour)
    categories = inp.categories(x, y)
    step = (theme.chart_width - VALUE_AXIS_SPACE) / max(1, len(categories))
    axis, extra = category_axis([str(c) for c in categories], step, theme.font_size)
    base = alt.Chart(rows).encode(
        x=alt.X(
            field(x),
            type="ordinal" if inp.natural_order(x) is not None else "nominal",
            sort=categories,
            title=inp.label(x),
            axis=alt.Axis(**axis),
            scale=alt.Scale(paddingInner=0.25),
        ),
        xOffset=alt.XOffset(field(colour), type="nominal", sort=series),
        y=alt.Y(
            field(y),
            type="quantitative",
            title=inp.label(y),
            axis=alt.Axis(**inp.guide(y), tickCount=5),
        ),
    )
    layers: list[alt.Chart] = [base.mark_bar().encode(color=series_colour(inp, colour, series))]
    sub_step = step * 0.75 / max(1, len(series))
    if inp.spec.labels and _label_width(rows, theme.font_size - 2) <= sub_step:
        layers.append(
            base.mark_text(baseline="bottom", dy=-2, fontSize=theme.font_size - 2).encode(
                text=alt.Text("_label:N")
            )
        )
    return alt.LayerChart(layer=layers), (
        inp.spec.height or theme.chart_height
    ) + extra + 24 + legend_rows_height(series, theme)


def stacked(inp: ChartInput) -> Built:
    """Stacked bars with the category total above each bar."""
    x, y, theme = inp.spec.x, inp.y, inp.theme
    colour = _require_colour(inp)
    rows, series = _series_rows(inp, x, y, colour)
    categories = inp.categories(x, y)
    step = (theme.chart_width - VALUE_AXIS_SPACE) / max(1, len(categories))
    axis, extra = category_axis([str(c) for c in categories], step, theme.font_size)
    x_enc = alt.X(
        field(x),
        type="ordinal" if inp.natural_order(x) is not None else "nominal",
        sort=categories,
        title=inp.label(x),
        axis=alt.Axis(**axis),
    )
    y_enc = alt.Y(
        field(y),
        type="quantitative",
        title=inp.label(y),
        stack="zero",
        axis=alt.Axis(**inp.guide(y), tickCount=5),
    )
    bars = (
        alt.Chart(rows)
        .mark_bar(width={"band": 0.72})
        .encode(
            x=x_enc,
            y=y_enc,
            color=series_colour(inp, colour, series),
            order=alt.Order("_rank:Q", sort="ascending"),
        )
    )
    layers: list[alt.Chart] = [bars]
    totals = rows.groupby(x, sort=False, observed=True, dropna=True)[y].sum().reset_index()
    totals["_label"] = [inp.text(y, v) for v in totals[y]]
    if inp.spec.labels and _label_width(totals, theme.font_size - 1) <= step * 0.95:
        layers.append(
            alt.Chart(totals)
            .mark_text(baseline="bottom", dy=-3, fontSize=theme.font_size - 1)
            .encode(
                x=alt.X(field(x), type="nominal", sort=categories),
                y=alt.Y(field(y), type="quantitative"),
                text=alt.Text("_label:N"),
            )
        )
    return alt.LayerChart(layer=layers), (
        inp.spec.height or theme.chart_height
    ) + extra + 24 + legend_rows_height(series, theme)


def stacked100(inp: ChartInput) -> Built:
    """Horizontal bars of 100 %: each category's mix of series, shares labelled where they fit."""
    x, y, theme = inp.spec.x, inp.y, inp.theme
    colour = _require_colour(inp)
    rows, series = _series_rows(inp, x, y, colour)
    categories = inp.categories(x, y)
    palette = dict(zip(series, inp.series_colours(colour, series), strict=True))
    rows = rows.sort_values(["_rank"], kind="stable")
    values = pd.to_numeric(rows[y], errors="coerce").fillna(0.0)
    totals = values.groupby(rows[x], sort=False, observed=True).transform("sum")
    share = (values / totals.where(totals != 0)).fillna(0.0)
    end = share.groupby(rows[x], sort=False, observed=True).cumsum()
    rows["_share"] = share
    rows["_mid"] = end - share / 2
    rows["_share_label"] = [f"{v * 100:.0f}%" for v in share]
    rows["_text_colour"] = [
        "#ffffff" if palette.get(v) in theme.light_text_colours else theme.ink for v in rows[colour]
    ]
    name_width = min(200.0, _category_label_width(inp, categories))
    plot_width = theme.chart_width - name_width - 24
    y_enc = alt.Y(
        field(x),
        type="ordinal" if inp.natural_order(x) is not None else "nominal",
        sort=categories,
        title=None,
        axis=alt.Axis(labelLimit=200, labelPadding=6),
    )
    bars = (
        alt.Chart(rows)
        .mark_bar(height={"band": 0.7})
        .encode(
            y=y_enc,
            x=alt.X(
                "_share:Q",
                stack="zero",
                title=f"Share of {inp.label(y).lower()}",
                scale=alt.Scale(domain=[0, 1], nice=False),
                axis=alt.Axis(format=".0%", tickCount=5),
            ),
            color=series_colour(inp, colour, series),
            order=alt.Order("_rank:Q", sort="ascending"),
        )
    )
    layers: list[alt.Chart] = [bars]
    if inp.spec.labels:
        min_share = (text_width("100%", theme.font_size - 1) + 6) / plot_width
        labels = (
            alt.Chart(rows)
            .transform_filter(f"datum._share >= {min_share:.4f}")
            .mark_text(baseline="middle", fontSize=theme.font_size - 1)
            .encode(
                y=y_enc,
                x=alt.X("_mid:Q"),
                text=alt.Text("_share_label:N"),
                color=alt.Color("_text_colour:N", scale=None),
            )
        )
        layers.append(labels)
    height = inp.spec.height or band_height(
        len(categories), theme, scale=1.25, extra=CATEGORY_AXIS_SPACE + 30
    )
    return alt.LayerChart(layer=layers), height + legend_rows_height(series, theme)


def histogram(inp: ChartInput) -> Built:
    """Touching bars over a numeric axis: counts per value, or binned raw values."""
    x, y, theme = inp.spec.x, inp.y, inp.theme
    height = inp.spec.height or theme.chart_height
    x_guide = inp.guide(x)
    if y == x or y not in inp.frame.columns:
        rows = plain_rows(inp.frame[[x]])
        chart = (
            alt.Chart(rows)
            .mark_bar(binSpacing=1, color=theme.base)
            .encode(
                x=alt.X(field(x), type="quantitative", bin=alt.Bin(maxbins=30), title=inp.label(x)),
                y=alt.Y(
                    "count():Q",
                    title="Count",
                    axis=alt.Axis(format=",d", tickCount=5, tickMinStep=1),
                ),
            )
        )
        return chart, height
    rows = _value_rows(inp, x, y)
    xs = sorted(pd.to_numeric(rows[x], errors="coerce").dropna().unique().tolist())
    gaps = [b - a for a, b in zip(xs, xs[1:], strict=False) if b > a]
    width = min(gaps) if gaps else 1.0
    integers = all(float(v).is_integer() for v in xs)
    start = rows[x] - width / 2 if integers else rows[x]
    rows["_x0"], rows["_x1"] = start, start + width
    lo, hi = (xs[0] - width / 2, xs[-1] + width / 2) if integers else (xs[0], xs[-1] + width)
    if integers and x_guide["format"] == ",":
        x_guide["format"] = "d"
    base = alt.Chart(rows).encode(
        x=alt.X(
            "_x0:Q",
            title=inp.label(x),
            scale=alt.Scale(domain=[lo, hi], nice=False, zero=False),
            axis=alt.Axis(**x_guide, labelAngle=0, tickMinStep=width),
        ),
        x2="_x1:Q",
        y2=alt.datum(0),
        y=alt.Y(
            field(y),
            type="quantitative",
            title=inp.label(y),
            axis=alt.Axis(**inp.guide(y), tickCount=5),
        ),
    )
    layers: list[alt.Chart] = [
        base.mark_bar(stroke="#ffffff", strokeWidth=1, cornerRadiusEnd=0).encode(
            color=alt.Color("_colour:N", scale=None)
        )
    ]
    if inp.spec.labels:
        layers.append(
            alt.Chart(rows)
            .transform_filter("datum._highlight")
            .transform_calculate(_centre="(datum._x0 + datum._x1) / 2")
            .mark_text(baseline="bottom", dy=-3, fontSize=theme.font_size - 1)
            .encode(
                x=alt.X("_centre:Q"),
                y=alt.Y(field(y), type="quantitative"),
                text=alt.Text("_label:N"),
            )
        )
    return alt.LayerChart(layer=layers), height
