"""Chart kinds over a grid or a circle: heatmap, pie and donut."""

from __future__ import annotations

import altair as alt
import pandas as pd

from reportgen.charts.bars import Built
from reportgen.charts.common import ChartInput, band_height, field, plain_rows, text_width


def heatmap(inp: ChartInput) -> Built:
    """Rows × columns (e.g. day × hour) coloured by a metric on a sequential ramp, with a legend."""
    x, y, theme = inp.spec.x, inp.y, inp.theme
    value = inp.spec.color
    if value is None:
        msg = "a heatmap needs 'color': the metric that colours the cells"
        raise ValueError(msg)
    rows = plain_rows(inp.frame[[x, y, value]])
    numbers = pd.to_numeric(rows[value], errors="coerce")
    rows["_label"] = [inp.text(value, v) for v in rows[value]]
    rows["_highlight"] = inp.highlight_flags(rows[value])
    middle = (numbers.min() + numbers.max()) / 2 if numbers.notna().any() else 0
    rows["_dark"] = [bool(v > middle) for v in numbers]
    columns = inp.natural_order(x) or list(dict.fromkeys(rows[x].tolist()))
    lines = inp.natural_order(y) or list(dict.fromkeys(rows[y].tolist()))
    name_width = max((text_width(str(v), theme.font_size) for v in lines), default=0.0)
    step = (theme.chart_width - name_width - 20) / max(1, len(columns))
    base = alt.Chart(rows).encode(
        x=alt.X(
            field(x),
            type="ordinal",
            sort=columns,
            title=inp.label(x),
            axis=alt.Axis(labelAngle=0, domain=False, ticks=False, orient="bottom"),
        ),
        y=alt.Y(
            field(y),
            type="ordinal",
            sort=lines,
            title=None,
            axis=alt.Axis(domain=False, ticks=False, labelPadding=6),
        ),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            field(value),
            type="quantitative",
            title=inp.label(value),
            scale=alt.Scale(range=list(theme.sequential), zero=False),
            legend=alt.Legend(
                **inp.guide(value),
                orient="top",
                direction="horizontal",
                gradientLength=220,
                gradientThickness=10,
                titleOrient="left",
                titleAnchor="start",
            ),
        )
    )
    layers: list[alt.Chart] = [cells]
    label_size = theme.font_size - 2
    fits = max((text_width(v, label_size) for v in rows["_label"]), default=0) <= step - 4
    if inp.spec.labels and fits:
        layers.append(
            base.mark_text(fontSize=label_size).encode(
                text=alt.Text("_label:N"),
                # a plain condition: a second colour scale would clash with the ramp's
                color=alt.ColorValue(
                    theme.ink, condition={"test": "datum._dark", "value": "#ffffff"}
                ),
            )
        )
    if inp.spec.highlight != "none":
        layers.append(
            base.transform_filter("datum._highlight").mark_rect(
                fillOpacity=0, stroke=theme.accent, strokeWidth=2.5
            )
        )
    height = inp.spec.height or band_height(len(lines), theme, extra=80)
    return alt.LayerChart(layer=layers), height


def pie(inp: ChartInput, *, donut: bool = False) -> Built:
    """Slices sorted by size (or natural order), shares labelled on the slices, a legend."""
    x, y, theme = inp.spec.x, inp.y, inp.theme
    categories = inp.categories(x, y)
    colours = inp.series_colours(x, categories)
    rows = plain_rows(inp.frame[[x, y]])
    values = pd.to_numeric(rows[y], errors="coerce").fillna(0.0)
    total = float(values.sum())
    rank = {value: i for i, value in enumerate(categories)}
    rows["_rank"] = [rank.get(v, len(rank)) for v in rows[x]]
    rows["_share"] = values / total if total else 0.0
    rows["_share_label"] = [f"{v * 100:.0f}%" for v in rows["_share"]]
    light = theme.light_text_colours
    palette = dict(zip(categories, colours, strict=True))
    rows["_text_colour"] = ["#ffffff" if palette.get(v) in light else theme.ink for v in rows[x]]
    height = inp.spec.height or theme.chart_height - 30
    radius = (height - 20) / 2
    inner = radius * 0.55 if donut else 0
    base = alt.Chart(rows).encode(
        theta=alt.Theta(field(y), type="quantitative", stack=True),
        order=alt.Order("_rank:Q", sort="ascending"),
    )
    arcs = base.mark_arc(outerRadius=radius, innerRadius=inner).encode(
        color=alt.Color(
            field(x),
            type="nominal",
            sort=categories,
            title=inp.label(x),
            scale=alt.Scale(domain=categories, range=colours),
            legend=alt.Legend(orient="right", direction="vertical", symbolType="circle"),
        )
    )
    layers: list[alt.Chart] = [arcs]
    if inp.spec.labels:
        layers.append(
            base.transform_filter("datum._share >= 0.05")
            .mark_text(radius=(radius + inner) / 2 if donut else radius * 0.68, fontWeight="bold")
            .encode(text=alt.Text("_share_label:N"), color=alt.Color("_text_colour:N", scale=None))
        )
    if donut:
        centre = pd.DataFrame({"_total": [inp.text(y, total)], "_caption": ["Total"]})
        layers.append(
            alt.Chart(centre)
            .mark_text(fontSize=theme.title_size + 2, fontWeight="bold", dy=-6)
            .encode(text=alt.Text("_total:N"))
        )
        layers.append(
            alt.Chart(centre)
            .mark_text(fontSize=theme.font_size, color=theme.muted, dy=12)
            .encode(text=alt.Text("_caption:N"))
        )
    return alt.LayerChart(layer=layers), height


def donut(inp: ChartInput) -> Built:
    """A pie with a hole that shows the total."""
    return pie(inp, donut=True)
