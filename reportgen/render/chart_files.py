"""The report's charts → standalone SVG files for slides, named by section, the font embedded.

Each SVG carries the bundled font (the HTML's Latin subset, as ``@font-face`` data), so it
looks the same on a machine without Source Sans Pro; the PNGs are drawn by the chart
converter in the same font (``charts.convert.svg_to_png``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from reportgen.blobs import BlobCache
from reportgen.render.context import ReportView

PNG_WIDTH = 1600  # pixels: a full-width picture on a 16:9 slide
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")


def charts_by_section(view: ReportView) -> dict[str, str]:
    """Each charted section's id → its chart SVG, in report order."""
    return {s.id: s.chart.svg for s in view.sections if s.chart is not None}


def svg_with_font(svg: str, fonts_css: str) -> bytes:
    """The chart SVG as a file: an XML declaration, the font rules inside the ``<svg>``."""
    style = f"<defs><style>{fonts_css}</style></defs>" if fonts_css else ""
    opening = _SVG_OPEN.search(svg)
    if opening is not None and style:
        svg = svg[: opening.end()] + style + svg[opening.end() :]
    if 'xmlns="http://www.w3.org/2000/svg"' not in svg[:500]:
        svg = svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + svg.strip() + "\n").encode("utf-8")


def png_later(svg: str, cache_folder: Path | None) -> Callable[[], bytes]:
    """The chart as a PNG ``PNG_WIDTH`` pixels wide, once the returned function is called:
    kept from an earlier build in ``cache_folder`` (by everything the drawing depends on), or
    drawn by the chart converter meanwhile (while this process writes the other outputs), and
    then kept."""
    from reportgen.charts.convert import png_key, to_png_later

    kept = BlobCache(cache_folder, keep=256, suffix=".png") if cache_folder else None
    key = png_key(svg, PNG_WIDTH)
    png = kept.get(key) if kept is not None else None
    if png is not None:
        return lambda: png
    drawn = to_png_later(svg, PNG_WIDTH)

    def result() -> bytes:
        made = drawn.result()
        if kept is not None:
            kept.put(key, made)
        return made

    return result
