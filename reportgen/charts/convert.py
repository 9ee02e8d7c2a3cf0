"""Altair charts → SVG text; the only module that imports vl-convert."""

from __future__ import annotations

import re
from functools import cache

import altair as alt
import vl_convert

from reportgen.charts.fonts import bundled_font

_VL_VERSION = "_".join(alt.SCHEMA_VERSION.split(".")[:2])  # 'v6.4.1' → 'v6_4'
_XLINK = ' xmlns:xlink="http://www.w3.org/1999/xlink"'


@cache
def register_fonts() -> None:
    """Register the bundled font directory with vl-convert, once per process."""
    directory = bundled_font().directory
    if directory is not None:
        vl_convert.register_font_directory(str(directory))


def to_svg(chart: alt.Chart | alt.LayerChart) -> str:
    """The chart as a standalone ``<svg>`` document, its text set in the bundled font."""
    register_fonts()
    svg: str = vl_convert.vegalite_to_svg(chart.to_dict(), vl_version=_VL_VERSION)
    if "xlink:" not in svg.replace(_XLINK, ""):
        svg = svg.replace(_XLINK, "", 1)
    return re.sub(r"^<\?xml[^>]*>\s*", "", svg)
