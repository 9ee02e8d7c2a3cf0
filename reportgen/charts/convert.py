"""Altair charts → SVG text; the only module that imports vl-convert.

vl-convert runs its own JavaScript engine and releases the GIL while it converts, so charts are
converted on one background thread: the first conversion of a process (~0.7 s to start the
engine) can run while the data loads (``warm_up``), and each chart converts while the next one
is built (``to_svg_later``).
"""

from __future__ import annotations

import re
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from typing import Any

import altair as alt
import vl_convert

from reportgen.charts.fonts import bundled_font

_VL_VERSION = "_".join(alt.SCHEMA_VERSION.split(".")[:2])  # 'v6.4.1' → 'v6_4'
_XLINK = ' xmlns:xlink="http://www.w3.org/1999/xlink"'
_TINY = {"data": {"values": [{"a": 1}]}, "mark": "bar", "encoding": {"y": {"field": "a"}}}


@cache
def register_fonts() -> None:
    """Register the bundled font directory with vl-convert, once per process."""
    directory = bundled_font().directory
    if directory is not None:
        vl_convert.register_font_directory(str(directory))


@cache
def _converter() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="vl-convert")


def warm_up() -> None:
    """Start the converter's engine in the background (returns at once)."""
    _converter().submit(_convert, _TINY)


def to_svg_later(chart: alt.Chart | alt.LayerChart) -> Future[str]:
    """The chart's SVG (see ``to_svg``), converted on the background thread.

    The Vega-Lite dict is taken here, unvalidated: the chart builders' output is validated
    against the schema by the tests, and validation costs more than the conversion.
    """
    return _converter().submit(_convert, chart.to_dict(validate=False))


def to_svg(chart: alt.Chart | alt.LayerChart) -> str:
    """The chart as a standalone ``<svg>`` document, its text set in the bundled font."""
    return to_svg_later(chart).result()


def _convert(spec: dict[str, Any]) -> str:
    register_fonts()
    svg: str = vl_convert.vegalite_to_svg(spec, vl_version=_VL_VERSION)
    if "xlink:" not in svg.replace(_XLINK, ""):
        svg = svg.replace(_XLINK, "", 1)
    return re.sub(r"^<\?xml[^>]*>\s*", "", svg)
