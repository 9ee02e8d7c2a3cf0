"""A ``ReportView`` → one self-contained HTML file: inline CSS, embedded font, inline SVG charts,
and (interactive) each chart's Vega-Lite spec drawn by a runtime inlined once."""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from pathlib import Path
from typing import Literal

from markupsafe import Markup, escape

from reportgen.render.context import ChartBlock, ReportView, SectionView, TableBlock
from reportgen.render.templates import (
    TEMPLATE,
    embed_script,
    environment,
    font_face_css,
    stylesheet,
)

# Tables longer than this may break across PDF pages (their header repeats); shorter ones never.
LONG_TABLE_ROWS = 15

_SVG_OPEN = re.compile(r"<svg\b([^>]*)>")
_SIZE = re.compile(r'\b(width|height)="([0-9.]+)')


def _svg_size(svg: str) -> tuple[float, float]:
    match = _SVG_OPEN.search(svg)
    sizes = dict(_SIZE.findall(match.group(1))) if match else {}
    return float(sizes.get("width", 0) or 0), float(sizes.get("height", 0) or 0)


def accessible_svg(svg: str, alt: str) -> Markup:
    """The chart's SVG as an image for assistive technology: role, label and a <title>."""
    label = escape(alt)

    def opening(match: re.Match[str]) -> str:
        attributes = re.sub(r'\s(role|aria-label)="[^"]*"', "", match.group(1))
        return f'<svg{attributes} role="img" aria-label="{label}"><title>{label}</title>'

    return Markup(_SVG_OPEN.sub(opening, svg, count=1))


def _chart(chart: ChartBlock, mode: Literal["inline", "img", "live"]) -> ChartBlock:
    width, height = _svg_size(chart.svg)
    width, height = chart.width or width, chart.height or height
    if mode == "img":
        data = base64.b64encode(chart.svg.encode("utf-8")).decode("ascii")
        return replace(
            chart,
            src=f"data:image/svg+xml;base64,{data}",
            width=width,
            height=height,
            vega_lite="",
        )
    return replace(
        chart,
        svg=accessible_svg(chart.svg, chart.alt),
        width=width,
        height=height,
        vega_lite=Markup(chart.vega_lite) if mode == "live" else "",
    )


def _table(table: TableBlock | None) -> TableBlock | None:
    if table is None:
        return None
    return replace(table, long=len(table.rows) > LONG_TABLE_ROWS)


def _section(section: SectionView, mode: Literal["inline", "img", "live"]) -> SectionView:
    return replace(
        section,
        chart=_chart(section.chart, mode) if section.chart else None,
        tables=[t for t in map(_table, section.tables) if t is not None],
    )


def render_document(
    view: ReportView,
    *,
    charts: Literal["inline", "img", "live"] = "inline",
    created: str = "",
    cache_dir: Path | None = None,
    runtime: str = "",
) -> str:
    """The report as HTML; ``charts='img'`` embeds charts as SVG data: URIs (faster to print),
    ``'live'`` adds each chart's Vega-Lite spec, drawn by ``runtime`` (inlined once)."""
    prepared = replace(view, sections=[_section(s, charts) for s in view.sections])
    live = charts == "live" and bool(runtime)
    return (
        environment()
        .get_template(TEMPLATE)
        .render(
            view=prepared,
            fonts_css=font_face_css(cache_dir),
            report_css=stylesheet(),
            created=created,
            runtime=Markup(runtime) if live else "",
            embed_script=embed_script() if live else "",
        )
    )


def render_html(view: ReportView, *, cache_dir: Path | None = None, runtime: str = "") -> str:
    """One self-contained HTML file: nothing is fetched, readable on a phone.

    With ``runtime`` (the Vega bundle, ``charts.convert.runtime_script_later``) and
    ``view.interactive``, charts that carry a Vega-Lite spec are drawn in the browser, with
    tooltips; the static SVG is the fallback without JavaScript and in print. Otherwise no
    script at all."""
    live = view.interactive and bool(runtime)
    return render_document(
        view, charts="live" if live else "inline", cache_dir=cache_dir, runtime=runtime
    )
