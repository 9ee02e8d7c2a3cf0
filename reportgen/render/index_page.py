"""A batch's reports → its index page: a line per report (its value, a summary number and
links to its files) and the compared metrics side by side; one self-contained, escaped HTML file
that fetches nothing, and the compared numbers as CSV."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from reportgen.model.semantic import Model
from reportgen.render.templates import environment, font_face_css
from reportgen.style.format import format_value
from reportgen.style.theme import default_theme

INDEX_TEMPLATE = "index.html"


@dataclass(frozen=True)
class IndexEntry:
    """One report of the batch: its parameter value, its files (relative links) and numbers."""

    value: str
    links: list[tuple[str, str]]  # (kind, file name beside the index), e.g. ("PDF", "x-south.pdf")
    numbers: Mapping[str, Any]  # metric → raw value


@dataclass(frozen=True)
class IndexPage:
    """What the index template places, formatted."""

    title: str
    lead: str
    entries: list[dict[str, Any]]
    compare_title: str = ""
    compare_columns: list[tuple[str, bool]] = field(default_factory=list)
    compare_rows: list[list[str]] = field(default_factory=list)
    csv_href: str = ""
    notes: list[str] = field(default_factory=list)
    build_date: str = ""


def metric_text(model: Model, metric: str, value: Any) -> str:
    """A metric's value as the report prints it."""
    spec = model.spec
    fmt = model.metrics[metric].format if metric in model.metrics else "auto"
    return format_value(
        value, fmt, currency=spec.settings.currency, day_zero=spec.settings.day_zero
    )


def index_page(
    model: Model,
    *,
    title: str,
    label: str,
    entries: Sequence[IndexEntry],
    compared: Sequence[str],
    summary: str,
    csv_href: str,
    notes: Sequence[str],
    build_date: str,
) -> IndexPage:
    """The page's content: ``label`` names the parameter (Region), ``summary`` the metric
    quoted on each report's line, ``compared`` the metrics of the side-by-side table."""
    lines = [
        {
            "value": entry.value,
            "summary": f"{model.label(summary)}: {metric_text(model, summary, entry.numbers.get(summary))}",
            "links": entry.links,
        }
        for entry in entries
    ]
    rows = [
        [entry.value, *(metric_text(model, m, entry.numbers.get(m)) for m in compared)]
        for entry in entries
    ]
    return IndexPage(
        title=title,
        lead=f"One report per {label.lower()}: {len(entries)} reports.",
        entries=lines,
        compare_title=f"{label} side by side" if compared else "",
        compare_columns=[(label, False), *((model.label(m), True) for m in compared)],
        compare_rows=rows if compared else [],
        csv_href=csv_href if compared else "",
        notes=list(notes),
        build_date=build_date,
    )


def render_index(page: IndexPage, cache_dir: Path | None = None) -> str:
    """The index page as HTML (autoescaped: values and titles are text), in the reports' own
    font, embedded as they embed it (``cache_dir``: where its rules are kept)."""
    return (
        environment()
        .get_template(INDEX_TEMPLATE)
        .render(
            index=page,
            fonts_css=font_face_css(cache_dir),
            font=Markup(default_theme().font_stack),  # trusted: the theme's own font names
        )
    )


def compare_frame(
    label: str, entries: Sequence[IndexEntry], compared: Sequence[str]
) -> pd.DataFrame:
    """The compared metrics, raw, one row per value (the index's CSV); counts as integers."""
    frame = pd.DataFrame(
        [{label: e.value, **{m: e.numbers.get(m) for m in compared}} for e in entries],
        columns=[label, *compared],
    )
    for name in compared:
        values = pd.to_numeric(frame[name], errors="coerce")
        if values.notna().any() and bool((values.dropna() % 1 == 0).all()):
            frame[name] = values.astype("Int64")
    return frame
