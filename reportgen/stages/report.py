"""A build job's section tables → the report view → each asked format's bytes → the files.

The last stages of a build, shared by one report (``pipeline.build``) and a batch of them
(``stages.batch``), which renders every value's files before writing any.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportgen.progress import Progress
from reportgen.render.context import ReportView
from reportgen.stages.job import BuildJob
from reportgen.stages.sections import SectionTables
from reportgen.stages.writers import WRITERS


@dataclass
class BuildStats:
    """What a build did: tests and the benchmark read these to check the results cache."""

    sections_computed: int = 0
    sections_planned: int = 0  # the analysis sections this build needs (--section: fewer)
    atoms_computed: int = 0  # aggregations the executor ran for the sections and their charts
    charts_rendered: int = 0
    data_loaded: bool = False
    view: ReportView | None = None  # the view rendered (benchmarks time its HTML and PDF)


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
    charts = ChartCache(job.store, tables.keys, drawn=job.draws_charts)
    view = report_view(content, charts)
    stats.sections_computed, stats.data_loaded = len(tables.computed), tables.data_loaded
    stats.sections_planned, stats.atoms_computed = len(job.plans), tables.atoms_computed
    stats.charts_rendered, stats.view = charts.rendered, view
    return view


def render_files(
    job: BuildJob, view: ReportView, tables: SectionTables, progress: Progress
) -> dict[Path, bytes]:
    """Render each asked format (the CSV exports always) to bytes, by target path."""
    from reportgen.stages.writers import WriteContext

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
    return {path: data for kind in WRITERS if kind in made for path, data in made[kind].items()}


def write_outputs(
    job: BuildJob, view: ReportView, tables: SectionTables, progress: Progress
) -> dict[Path, bytes]:
    """Render each asked format (the CSV exports always) and write the files atomically."""
    from reportgen.output import prepare_dir, write_all

    prepare_dir(job.out_dir, create=not job.out_dir_given or job.out_dir.parent.exists())
    files = render_files(job, view, tables, progress)
    with progress.stage("write files"):
        write_all(files, root=job.out_dir, resolved=job.out_root)
        tidy_exports(job, files)
    return files


def tidy_exports(job: BuildJob, files: dict[Path, bytes]) -> None:
    """After a whole build the export folder holds exactly its files; old cache entries go."""
    from reportgen.output import remove_stale_exports
    from reportgen.stages.writers import export_dir

    if not job.selected:
        written = {path.name for path in files if path.suffix == ".csv"}
        remove_stale_exports(export_dir(job.names), written)
    if job.store is not None:
        job.store.prune()  # entries of older code and specs, unused for weeks or beyond the size cap
