"""The report view → the files of each output format: one writer per ``--format``.

The files a client keeps: HTML (interactive), PDF (tagged), an Excel workbook, each section's
CSV, and every chart as SVG and PNG. Adding an output is one entry in ``WRITERS``: the command
line offers its name, the build checks its targets before anything runs, starts it (work that
can run in the background, such as the PNGs, starts then), renders it and writes it atomically
with the others. This module imports nothing heavy, so ``--help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reportgen.engine.finish import SectionResult
    from reportgen.model.semantic import Model
    from reportgen.render.context import ReportView
    from reportgen.spec.models import Spec

Files = dict[Path, bytes]


@dataclass(frozen=True)
class OutputNames:
    """What the files' paths depend on, known before any data row is read."""

    out_dir: Path
    slug: str
    exported: Sequence[str]  # the sections whose tables are written
    charted: Sequence[str]  # the written sections that have a chart


@dataclass(frozen=True)
class WriteContext:
    """What a writer may use besides the view."""

    names: OutputNames
    base_dir: Path  # the spec's folder
    cache_dir: Path | None
    spec: Spec
    model: Model  # the workbook's definitions sheet
    results: Mapping[str, SectionResult]  # the exported sections' tables
    orders: Mapping[str, Mapping[str, list[str] | None]]  # their category orders


@dataclass(frozen=True)
class Writer:
    """One output format: its progress label, its files' paths, and ``start``, which begins
    the format's background work and returns what renders its files once it is done."""

    stage: str
    targets: Callable[[OutputNames], list[Path]]
    start: Callable[[ReportView, WriteContext], Callable[[], Files]]
    prepare: Callable[[Path | None], None] = lambda cache_dir: None  # see ``prepare_writers``
    shows_charts: bool = False  # its files show the charts (CSV and the workbook do not)


def report_path(names: OutputNames, suffix: str) -> Path:
    """Where a one-file output of the report goes."""
    return names.out_dir / f"{names.slug}{suffix}"


def table_path(names: OutputNames, section_id: str) -> Path:
    """Where a section's table goes (every group, not only the top-N shown)."""
    return export_dir(names) / f"{section_id}.csv"


def export_dir(names: OutputNames) -> Path:
    """The folder of the section tables' CSV files."""
    return names.out_dir / f"{names.slug}-data"


def chart_paths(names: OutputNames, section_id: str) -> tuple[Path, Path]:
    """Where a section's chart goes, as SVG and as PNG."""
    folder = names.out_dir / f"{names.slug}-charts"
    return folder / f"{section_id}.svg", folder / f"{section_id}.png"


def with_exports(formats: Sequence[str]) -> tuple[str, ...]:
    """The formats a build writes: those asked for, and always the CSV exports (the numbers
    behind every format, for checking and reuse; ``--format csv`` alone writes only them)."""
    return tuple(dict.fromkeys([*formats, "csv"]))


def _start_html(view: ReportView, context: WriteContext) -> Callable[[], Files]:
    from reportgen.render.html import render_html

    runtime = None
    if view.interactive and any(s.chart and s.chart.vega_lite for s in view.sections):
        from reportgen.charts.convert import runtime_script_later

        runtime = runtime_script_later(context.cache_dir)  # bundled meanwhile when not kept

    def finish() -> Files:
        script = runtime.result() if runtime is not None else ""
        html = render_html(view, cache_dir=context.cache_dir, runtime=script)
        return {report_path(context.names, ".html"): html.encode("utf-8")}

    return finish


def _start_pdf(view: ReportView, context: WriteContext) -> Callable[[], Files]:
    from reportgen.background import in_background
    from reportgen.render.pdf import render_pdf
    from reportgen.render.templates import font_face_css

    font_face_css(context.cache_dir)  # made once, here: the HTML and the chart files use it too
    pdf = in_background(  # on the other core while this one writes the other formats
        render_pdf,
        view,
        base_dir=context.base_dir,
        cache_dir=context.cache_dir,
        variant=context.spec.settings.pdf_standard,
    )
    return lambda: {report_path(context.names, ".pdf"): pdf.result()}


def _start_workbook(view: ReportView, context: WriteContext) -> Callable[[], Files]:
    return lambda: {report_path(context.names, ".xlsx"): workbook_bytes(view, context)}


def _start_csv(view: ReportView, context: WriteContext) -> Callable[[], Files]:
    def finish() -> Files:
        from reportgen.output import csv_bytes
        from reportgen.render.exports import guarded

        return {  # every group, numbers rounded as ``output.csv_bytes``, formulas guarded
            table_path(context.names, sid): csv_bytes(guarded(result.full))
            for sid, result in context.results.items()
        }

    return finish


def _start_charts(view: ReportView, context: WriteContext) -> Callable[[], Files]:
    from reportgen.render.chart_files import charts_by_section, png_later

    charts = charts_by_section(view)
    folder = context.cache_dir / "chart-png" if context.cache_dir is not None else None
    pngs = {sid: png_later(svg, folder) for sid, svg in charts.items()}

    def finish() -> Files:
        from reportgen.render.chart_files import svg_with_font
        from reportgen.render.templates import font_face_css

        fonts = font_face_css(context.cache_dir)
        files: Files = {}
        for sid, svg in charts.items():
            svg_path, png_path = chart_paths(context.names, sid)
            files[svg_path] = svg_with_font(svg, fonts)
            files[png_path] = pngs[sid]()
        return files

    return finish


def _prepare_pdf(cache_dir: Path | None) -> None:
    import reportgen.render.pdf  # noqa: F401 (WeasyPrint and fontTools: ~1 s to import)
    from reportgen.render.templates import font_face_css

    font_face_css(cache_dir)


def _prepare_workbook(cache_dir: Path | None) -> None:  # noqa: ARG001 (a writer's signature)
    import reportgen.render.workbook  # noqa: F401


def _prepare_html(cache_dir: Path | None) -> None:
    from reportgen.render.templates import TEMPLATE, environment, font_face_css, stylesheet

    environment().get_template(TEMPLATE)
    stylesheet()
    font_face_css(cache_dir)


def prepare_writers(formats: Sequence[str], cache_dir: Path | None) -> None:
    """Import what the writers of ``formats`` render with and make their per-process state
    (the template, the font CSS) now: a batch does it once before forking its renderers,
    which then share it instead of each doing it again."""
    for kind in with_exports(formats):
        WRITERS[kind].prepare(cache_dir)


def _chart_targets(names: OutputNames) -> list[Path]:
    return [path for sid in names.charted for path in chart_paths(names, sid)]


WRITERS: dict[str, Writer] = {
    "html": Writer(
        "HTML", lambda names: [report_path(names, ".html")], _start_html, _prepare_html, True
    ),
    "pdf": Writer(
        "PDF", lambda names: [report_path(names, ".pdf")], _start_pdf, _prepare_pdf, True
    ),
    "xlsx": Writer(
        "workbook",
        lambda names: [report_path(names, ".xlsx")],
        _start_workbook,
        _prepare_workbook,
    ),
    "csv": Writer(
        "CSV exports", lambda names: [table_path(names, s) for s in names.exported], _start_csv
    ),
    "charts": Writer("chart files", _chart_targets, _start_charts, shows_charts=True),
}
REPORT_SUFFIXES = (".html", ".pdf", ".xlsx")  # the files the build's last line names


def output_targets(names: OutputNames, formats: Sequence[str]) -> list[Path]:
    """Every file a build with ``formats`` writes (checked before anything runs)."""
    return [path for kind in with_exports(formats) for path in WRITERS[kind].targets(names)]


def build_datetime(view: ReportView) -> datetime:
    """The time stamped into the workbook: SOURCE_DATE_EPOCH, else the build date at midnight."""
    from reportgen.render.pdf import build_time

    return (build_time(view) or datetime(1980, 1, 1, tzinfo=UTC)).replace(tzinfo=None)


def workbook_bytes(view: ReportView, context: WriteContext) -> bytes:
    """The Excel workbook: one sheet per exported section, and the definitions."""
    from reportgen.render.methods import definitions_tables
    from reportgen.render.views import column_meta
    from reportgen.render.workbook import SectionSheet, render_workbook
    from reportgen.spec.models import AnalysisSection, DefinitionsSection

    spec = context.spec
    sections = {s.id: s for s in spec.sections if isinstance(s, AnalysisSection)}
    titles = {s.id: s.title for s in view.sections}
    sheets = []
    for sid, result in context.results.items():
        section = sections[sid]
        meta = column_meta(context.model, section, context.orders[sid], result.other_label)
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
    wanted = any(isinstance(s, DefinitionsSection) for s in spec.sections)
    return render_workbook(
        view.title,
        view.subtitle,
        build_datetime(view),
        sheets,
        definitions_tables(context.model) if wanted else [],
        currency=spec.settings.currency,
        day_zero=spec.settings.day_zero,
        author=view.author,
    )
