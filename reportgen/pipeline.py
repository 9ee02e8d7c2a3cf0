"""The stages, in order: spec → model → data → section tables → views → formats → files.

This is the only module that knows the order; each stage lives in its own package
(``stages`` holds the steps between the spec and the files).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from reportgen.model.resolve import load_and_resolve
from reportgen.model.semantic import Model
from reportgen.progress import Progress
from reportgen.render.context import ReportView
from reportgen.render.text_check import check_narratives
from reportgen.spec.models import AnalysisSection
from reportgen.stages.job import BuildJob, BuildOptions, plan_job
from reportgen.stages.writers import REPORT_SUFFIXES, WRITERS

if TYPE_CHECKING:
    from reportgen.stages.sections import SectionTables

__all__ = ["BuildOptions", "BuildStats", "build", "validate"]


@dataclass
class BuildStats:
    """What a build did: tests and the benchmark read these to check the results cache."""

    sections_computed: int = 0
    sections_planned: int = 0  # the analysis sections this build needs (--section: fewer)
    atoms_computed: int = 0  # aggregations the executor ran for the sections and their charts
    charts_rendered: int = 0
    data_loaded: bool = False
    view: ReportView | None = None  # the view rendered (benchmarks time its HTML and PDF)


def build(
    spec_path: Path,
    options: BuildOptions,
    *,
    stdout: TextIO | None = None,
    stats: BuildStats | None = None,
) -> dict[str, Path]:
    """Build the report; return the written files by kind. Raises ReportgenError subclasses.

    Section tables, the data-quality numbers and chart SVGs come from the results cache when
    their keys match (see ``engine.results_cache``); when everything hits, no data is loaded.
    ``stats``, when given, is filled with what the build computed.
    """
    from reportgen.stages.quality import warn_unused  # charts and engines: not for validate
    from reportgen.stages.sections import section_tables

    stats = stats if stats is not None else BuildStats()
    progress = Progress(stdout or sys.stdout, options.quiet)
    with progress.stage("spec and headers"):
        job = plan_job(spec_path, options)
    tables = section_tables(job, progress)
    assert tables.quality is not None
    warn_unused(job.loaded, tables.quality.unused(job.spec), options.quiet)
    with progress.stage("charts and text"):
        view = assemble_view(job, tables, stats)
    files = write_outputs(job, view, tables, progress)
    shown = [str(p) for p in files if p.suffix in REPORT_SUFFIXES]
    progress.done(f"wrote {', '.join(shown) or 'the files asked for'}")
    return {p.suffix.lstrip("."): p for p in files}


def assemble_view(job: BuildJob, tables: SectionTables, stats: BuildStats) -> ReportView:
    """The report view from the section tables; ``stats`` records what was computed."""
    from reportgen.render.assemble import ReportContent, report_view
    from reportgen.render.charting import ChartCache

    assert tables.quality is not None
    content = ReportContent(
        loaded=job.loaded,
        model=job.model,
        results=tables.results,
        orders=tables.orders,
        charted=tables.charted,
        quality=tables.quality,
        selected=job.selected,
        build_date=job.build_date,
    )
    charts = ChartCache(job.store, tables.keys)
    view = report_view(content, charts)
    stats.sections_computed, stats.data_loaded = len(tables.computed), tables.data_loaded
    stats.sections_planned, stats.atoms_computed = len(job.plans), tables.atoms_computed
    stats.charts_rendered, stats.view = charts.rendered, view
    return view


def write_outputs(
    job: BuildJob, view: ReportView, tables: SectionTables, progress: Progress
) -> dict[Path, bytes]:
    """Render each asked format (the CSV exports always) and write the files atomically."""
    from reportgen.output import prepare_dir, remove_stale_exports, write_all
    from reportgen.stages.writers import WriteContext, export_dir

    prepare_dir(job.out_dir, create=not job.out_dir_given or job.out_dir.parent.exists())
    exported = {sid: tables.results[sid] for sid in job.exported}
    context = WriteContext(
        job.names,
        job.loaded.base_dir,
        job.engine.cache_dir,
        job.spec,
        job.model,
        exported,
        tables.orders,
    )
    # Background work (the PDF in a forked process, PNGs, the chart runtime) starts first and
    # runs while the others render; the PDF, the longest, starts first and is collected last.
    kinds = sorted((kind for kind in WRITERS if kind in job.formats), key=lambda k: k != "pdf")
    started = [(kind, WRITERS[kind].start(view, context)) for kind in kinds]
    made: dict[str, dict[Path, bytes]] = {}
    for kind, finish in sorted(started, key=lambda item: item[0] == "pdf"):
        with progress.stage(WRITERS[kind].stage):
            made[kind] = finish()
    files = {path: data for kind in WRITERS if kind in made for path, data in made[kind].items()}
    with progress.stage("write files"):
        write_all(files, root=job.out_dir, resolved=job.out_root)
        if not job.selected:  # a whole build: the export folder holds exactly its files
            written = {path.name for path in files if path.suffix == ".csv"}
            remove_stale_exports(export_dir(job.names), written)
    if job.store is not None:
        job.store.prune()  # entries of older code and specs, unused for weeks or beyond the size cap
    return files


def validate(spec_path: Path, *, stdout: TextIO | None = None) -> Model:
    """Check the spec, every column it names against the data headers and every name in its
    texts (reads no data rows)."""
    loaded, model, columns = load_and_resolve(spec_path)
    from reportgen.engine.plan import plan_section

    for section in loaded.spec.sections:
        if isinstance(section, AnalysisSection):
            plan_section(model, section)
    check_narratives(loaded, model)
    out = stdout or sys.stdout
    out.write(
        f"{spec_path}: OK ({len(columns)} tables, {len(loaded.spec.fields)} fields, "
        f"{len(model.metrics)} metrics, {len(loaded.spec.sections)} sections)\n"
    )
    return model
