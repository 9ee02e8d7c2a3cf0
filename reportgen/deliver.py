"""The built report → the files a client keeps, by format: HTML (interactive), PDF (tagged),
an Excel workbook, each section's CSV, and every chart as SVG and PNG.

``pipeline.build`` calls ``report_files`` once; each format is made by its own module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FORMATS = ("html", "pdf", "xlsx", "csv", "charts")


def with_exports(formats: Sequence[str]) -> tuple[str, ...]:
    """The formats a build writes: those asked for, and always the CSV exports (the numbers
    behind every format, for checking and reuse; ``--format csv`` alone writes only them)."""
    return tuple(dict.fromkeys([*formats, "csv"]))


@dataclass(frozen=True)
class Deliverables:
    """What the files are made from."""

    view: Any  # the ReportView
    spec: Any  # the Spec
    model: Any  # the Model (the definitions sheet)
    results: Mapping[str, Any]  # SectionResult by section id: the exported sections only
    metas: Mapping[str, Mapping[str, Any]]  # ColumnMeta by column, by section id
    base_dir: Path
    cache_dir: Path | None


def targets(
    out_dir: Path,
    slug: str,
    formats: Sequence[str],
    exported: Sequence[str],
    charted: Sequence[str],
) -> list[Path]:
    """Every file a build with ``formats`` writes (checked before anything runs)."""
    formats = with_exports(formats)
    found = [out_dir / f"{slug}.{kind}" for kind in ("html", "pdf", "xlsx") if kind in formats]
    if "csv" in formats:
        found += [out_dir / f"{slug}-data" / f"{sid}.csv" for sid in exported]
    if "charts" in formats:
        found += [
            out_dir / f"{slug}-charts" / f"{sid}.{ext}" for sid in charted for ext in ("svg", "png")
        ]
    return found


def report_files(
    made: Deliverables,
    out_dir: Path,
    slug: str,
    formats: Sequence[str],
    stage: Callable[[str], AbstractContextManager[None]],
) -> dict[Path, bytes]:
    """The bytes of every file the formats ask for, by path (nothing written yet)."""
    formats = with_exports(formats)
    from reportgen.render.chart_files import PNG_WIDTH, charts_by_section

    files: dict[Path, bytes] = {}
    runtime: Future[str] | None = None
    live = any(s.chart and s.chart.vega_lite for s in made.view.sections)
    if "html" in formats and made.view.interactive and live:
        from reportgen.charts.convert import runtime_script_later

        runtime = runtime_script_later(made.cache_dir)  # bundled meanwhile when not kept
    pngs: dict[str, Future[bytes]] = {}
    charts = charts_by_section(made.view) if "charts" in formats else {}
    if charts:  # drawn by the converter process while this one writes the rest
        from reportgen.charts.convert import to_png_later

        pngs = {sid: to_png_later(svg, PNG_WIDTH) for sid, svg in charts.items()}
    if "pdf" in formats:
        with stage("PDF"):
            from reportgen.render.pdf import render_pdf

            files[out_dir / f"{slug}.pdf"] = render_pdf(
                made.view,
                base_dir=made.base_dir,
                cache_dir=made.cache_dir,
                variant=made.spec.settings.pdf_standard,
            )
    if "html" in formats:
        with stage("HTML"):
            from reportgen.render.html import render_html

            script = runtime.result() if runtime is not None else ""
            html = render_html(made.view, cache_dir=made.cache_dir, runtime=script)
            files[out_dir / f"{slug}.html"] = html.encode("utf-8")
    if "xlsx" in formats:
        with stage("workbook"):
            files[out_dir / f"{slug}.xlsx"] = _workbook(made)
    if "csv" in formats:
        from reportgen.output import csv_bytes
        from reportgen.render.exports import guarded

        for sid, result in made.results.items():  # every group, not only the top-N shown
            files[out_dir / f"{slug}-data" / f"{sid}.csv"] = csv_bytes(guarded(result.full))
    if charts:
        with stage("chart files"):
            from reportgen.render.chart_files import svg_with_font
            from reportgen.render.templates import font_face_css

            fonts = font_face_css(made.cache_dir)
            for sid, svg in charts.items():
                files[out_dir / f"{slug}-charts" / f"{sid}.svg"] = svg_with_font(svg, fonts)
                files[out_dir / f"{slug}-charts" / f"{sid}.png"] = pngs[sid].result()
    return files


def build_datetime(view: Any) -> datetime:
    """The time stamped into the workbook: SOURCE_DATE_EPOCH, else the build date at midnight."""
    from reportgen.render.pdf import build_time

    return (build_time(view) or datetime(1980, 1, 1, tzinfo=UTC)).replace(tzinfo=None)


def _workbook(made: Deliverables) -> bytes:
    from reportgen.render.methods import definitions_tables
    from reportgen.render.workbook import SectionSheet, render_workbook
    from reportgen.spec.models import AnalysisSection, DefinitionsSection

    sections = {s.id: s for s in made.spec.sections}
    titles = {s.id: s.title for s in made.view.sections}
    sheets = []
    for sid, result in made.results.items():
        section = sections[sid]
        assert isinstance(section, AnalysisSection)
        meta = made.metas[sid]
        sheets.append(
            SectionSheet(
                id=sid,
                title=titles.get(sid, section.title),
                question=section.question or "",
                frame=result.full,
                labels={name: m.label for name, m in meta.items()},
                formats={name: m.format for name, m in meta.items()},
            )
        )
    wanted = any(isinstance(s, DefinitionsSection) for s in made.spec.sections)
    settings = made.spec.settings
    return render_workbook(
        made.view.title,
        made.view.subtitle,
        build_datetime(made.view),
        sheets,
        definitions_tables(made.model) if wanted else [],
        currency=settings.currency,
        day_zero=settings.day_zero,
        author=made.view.author,
    )
