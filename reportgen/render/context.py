"""The template context: everything the theme places, already computed, formatted and escaped.

The pipeline builds a ``ReportView``; ``render.html`` turns it into one HTML file and
``render.pdf`` into a PDF. Templates only place these values: no arithmetic, sorting or filtering.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from markupsafe import Markup


@dataclass(frozen=True)
class TableColumn:
    """One column of a rendered table."""

    name: str  # result column name (stable, used for CSS classes and tests)
    label: str  # display header
    align: Literal["left", "right"] = "left"


@dataclass(frozen=True)
class TableBlock:
    """A compact table: cells are display strings (escaped by the template)."""

    columns: list[TableColumn]
    rows: list[list[str]]
    note: str = ""  # e.g. "Top 12 of 134 rows; the rest are summed in Other."
    long: bool = False  # set by the renderer: long tables may break across pages
    caption: str = ""  # a heading above the table (methods and data-quality tables)


@dataclass(frozen=True)
class ChartBlock:
    """A chart rendered to SVG, with a text alternative generated from its data."""

    svg: str  # a complete <svg> document (trusted: produced by vl-convert from our own spec)
    alt: str  # plain text; the template escapes it
    title: str  # plain text
    width: float = 0.0  # pixels, from the SVG
    height: float = 0.0
    src: str = ""  # set by the renderer: the SVG as a data: URI, shown as <img> (print)
    vega_lite: str = ""  # the interactive chart: its Vega-Lite spec as script-safe JSON, or ""
    note: str = ""  # plain text under the chart: what a capped chart leaves out


@dataclass(frozen=True)
class SectionView:
    """One section as the theme shows it."""

    id: str
    title: str
    level: int
    kind: str  # analysis | text | definitions | data_quality
    question: str = ""
    body: Markup = Markup("")  # narrative already rendered to safe HTML (paragraphs, lists)
    chart: ChartBlock | None = None
    tables: list[TableBlock] = field(default_factory=list)
    filters: str = ""  # the section's own filters in words ('Only days where …')


@dataclass(frozen=True)
class ReportView:
    """The whole report as the theme shows it."""

    title: str
    subtitle: str
    client: str
    author: str
    subject: str
    data_date: str
    build_date: str  # from SOURCE_DATE_EPOCH when set, else the data's newest file time
    page_size: str
    sections: list[SectionView]
    lang: str = "en"
    params: list[tuple[str, str]] = field(default_factory=list)  # (label, value) on the cover
    interactive: bool = True  # HTML: charts drawn by the inlined Vega runtime, SVG as fallback
