"""The stages, in order: spec → model → data → section tables → views → formats → files.

This is the only module that knows the order; each stage lives in its own package
(``stages`` holds the steps between the spec and the files).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from reportgen.model.resolve import load_and_resolve
from reportgen.model.semantic import Model
from reportgen.progress import Progress
from reportgen.render.text_check import check_narratives
from reportgen.spec.models import AnalysisSection
from reportgen.stages.job import BuildOptions, plan_job
from reportgen.stages.param_values import check_values_of
from reportgen.stages.report import BuildStats, assemble_view, write_outputs
from reportgen.stages.writers import REPORT_SUFFIXES

__all__ = ["BuildOptions", "BuildStats", "build", "build_batch", "validate"]


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


def build_batch(
    spec_path: Path, options: BuildOptions, *, each: str | None, stdout: TextIO | None = None
) -> dict[str, Path]:
    """One report per value of the parameter ``each`` (None: the spec's ``batch.each``) and an
    index page; nothing is written unless every report renders. Returns the index files."""
    from reportgen.stages.batch import compute_batch, plan_batch
    from reportgen.stages.batch_render import Renderer, index_files, write_batch

    progress = Progress(stdout or sys.stdout, options.quiet)
    with progress.stage("spec and headers"):
        batch = plan_batch(spec_path, options, each)
    with Renderer(batch, progress) as renderer:  # each report renders once computed
        compute_batch(batch, spec_path, options, progress, renderer.submit, renderer.loaded)
        files = renderer.collect()
    index = index_files(batch, files)
    write_batch(batch, {**files, **index}, progress)
    for note in batch.notes:
        progress.done(f"note: {note}")
    progress.done(f"wrote {len(batch.reports)} reports and {', '.join(str(p) for p in index)}")
    return {p.suffix.lstrip("."): p for p in index}


def validate(
    spec_path: Path, *, stdout: TextIO | None = None, params: Mapping[str, str] | None = None
) -> Model:
    """Check the spec, every column it names against the data headers and every name in its
    texts (reads no data rows). A parameter without a value is checked with a placeholder."""
    loaded, model, columns = load_and_resolve(spec_path, params, require_params=False)
    check_values_of(loaded, model)
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
