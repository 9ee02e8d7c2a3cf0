"""A computed batch → every value's files and the index page, all rendered before any is
written; the reports render side by side in forked processes (one per core), each driving a
chart converter the batch keeps for the child after it, since rendering (charts, HTML, PDF)
is most of a report's time."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import threading
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path
from typing import Any

from reportgen.background import can_fork, free_core_for_child, in_background
from reportgen.charts.convert import release_lent, warm_up
from reportgen.charts.converter_processes import give_back, keep_converters, lend_converter
from reportgen.errors import ReportgenError, SpecError
from reportgen.output import csv_bytes, prepare_dir, write_all
from reportgen.progress import Progress
from reportgen.render.index_page import IndexEntry, compare_frame, index_page, render_index
from reportgen.stages.batch import Batch, BatchReport, failing_value
from reportgen.stages.job import BuildJob
from reportgen.stages.report import BuildStats, assemble_view, render_files, tidy_exports
from reportgen.stages.sections import SectionTables
from reportgen.stages.writers import prepare_writers

LINK_KINDS = {".html": "HTML", ".pdf": "PDF", ".xlsx": "Workbook"}


class RenderFailed(ReportgenError):
    """A user error raised while a worker process rendered a report, sent back as text."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def render_report(job: BuildJob, tables: SectionTables) -> dict[Path, bytes]:
    """One report's files as bytes (in a worker process, or here)."""
    quiet = Progress(io.StringIO(), True)
    view = assemble_view(job, tables, BuildStats())
    return render_files(job, view, tables, quiet)


def render_in_worker(
    job: BuildJob, tables: SectionTables, last: bool
) -> dict[Path, bytes] | tuple[Any, ...]:
    """``render_report`` in a forked child: a user error comes back as data (its parts), since
    the error classes do not travel between processes as they are. The ``last`` report to
    start renders its PDF beside the other formats, on the core the others leave as they end."""
    if last:
        free_core_for_child()
    try:
        files = render_report(job, tables)
    except SpecError as error:
        return ("spec", error.file, error.issues)
    except ReportgenError as error:
        return ("other", error.render(), error.exit_code)
    release_lent()  # every chart answered: the converter can serve the next child
    return files


def rendered(done: Future[Any]) -> bool:
    """Whether a child's render succeeded (so the converter it drove answered everything)."""
    return not done.cancelled() and done.exception() is None and isinstance(done.result(), dict)


def from_worker(answer: dict[Path, bytes] | tuple[Any, ...]) -> dict[Path, bytes]:
    """The files a worker rendered, or its error raised again here."""
    if isinstance(answer, dict):
        return answer
    if answer[0] == "spec":
        raise SpecError(answer[1], answer[2])
    raise RenderFailed(answer[1], answer[2])


def prepare_quietly(formats: tuple[str, ...], cache_dir: Path | None) -> None:
    """``prepare_writers`` in a thread: a failure here is the render's to report, in the child."""
    with contextlib.suppress(Exception):
        prepare_writers(formats, cache_dir)


def workers_for(count: int | None) -> int:
    """Worker processes for ``count`` reports (None: not known yet): one per core, at most one
    per report; ``REPORTGEN_BATCH_WORKERS`` overrides (1: render here, one after the other)."""
    given = os.environ.get("REPORTGEN_BATCH_WORKERS", "").strip()
    wanted = int(given) if given.isdigit() and int(given) >= 1 else os.cpu_count() or 1
    return max(1, min(wanted, count if count is not None else wanted))


class Renderer:
    """Renders each report once its tables are computed, in a forked copy of this process
    (every module imported, the tables shared, its own chart converter): while values are
    still being computed here, on the cores this process leaves (one fewer than the workers),
    then on all of them. Computing never waits for a render: a report whose turn has not come
    is queued and started at the next hand-over or while collecting. With one worker, or where
    forking is not the safe way to start a process, each renders here, one after the other."""

    def __init__(self, batch: Batch, progress: Progress) -> None:
        self.batch, self.progress = batch, progress
        self.workers = workers_for(len(batch.reports) or None)
        self.forking = self.workers > 1 and can_fork()
        self.pending: list[tuple[BatchReport, Future[Any]]] = []
        self.queued: list[BatchReport] = []
        self.lent: dict[Future[Any], subprocess.Popen[str]] = {}  # a child's chart converter
        self.computed = False  # every value's tables are computed: all cores render
        self.prepared: threading.Thread | None = None
        first = batch.probe
        if self.forking:  # the render modules imported meanwhile (joined before any fork)
            self.prepared = threading.Thread(
                target=prepare_quietly, args=(first.formats, first.engine.cache_dir), daemon=True
            )
            self.prepared.start()
        elif first.draws_charts:
            warm_up()  # this process renders: its converter starts while the data loads

    def loaded(self) -> None:
        """The data is loaded and the values known: start the children's chart converters
        (while the first value computes, on the core it leaves)."""
        self._keep_converters()

    def submit(self, report: BatchReport) -> None:
        """Render ``report``: here and now without forking, else as soon as a core is free
        (this process, still computing, keeps one)."""
        if not self.forking:
            future: Future[Any] = Future()
            with failing_value(self.batch, report):
                future.set_result(render_report(report.job, report.tables))
            self.pending.append((report, future))
            return
        self.queued.append(report)
        self._start(self.workers - 1)
        self._keep_converters()

    def _running(self) -> list[Future[Any]]:
        return [future for _, future in self.pending if not future.done()]

    def _reclaim(self) -> None:
        """The converters of the children that ended, back for the next ones."""
        for future in [f for f in self.lent if f.done()]:
            give_back(self.lent.pop(future), rendered(future))

    def _start(self, slots: int) -> None:
        """Fork renderers for queued reports while fewer than ``slots`` run."""
        if self.prepared is not None:
            self.prepared.join()
        self._reclaim()
        while self.queued and len(self._running()) < max(slots, 1):
            report = self.queued.pop(0)
            last = self.computed and not self.queued
            with lend_converter() as lent:  # started while computing, or an ended child's
                future = in_background(render_in_worker, report.job, report.tables, last)
            if lent is not None:
                self.lent[future] = lent
            self.pending.append((report, future))
            self._keep_converters()

    def _keep_converters(self) -> None:
        """A chart converter for each child that renders at a time, counting those running
        (``charts.converter_processes.keep_converters``): each warms up while this process
        computes, and serves one child after another."""
        if self.batch.probe.draws_charts and self.forking:
            unstarted = (len(self.batch.reports) or self.workers) - len(self.pending)
            keep_converters(min(self.workers, unstarted + len(self._running())))

    def collect(self) -> dict[Path, bytes]:
        """Every report's files, in the batch's order; a failing value ends the batch."""
        files: dict[Path, bytes] = {}
        count = len(self.pending) + len(self.queued)
        self.computed = True
        with self.progress.stage(f"render {count} reports ({self.workers} at a time)"):
            self._start(self.workers)
            while self.queued:
                wait(self._running(), return_when=FIRST_COMPLETED)
                self._start(self.workers)
            for report, future in self.pending:
                with failing_value(self.batch, report):
                    files.update(from_worker(future.result()))
        return files

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.queued.clear()
        for _, future in self.pending:  # a failed batch: wait for the children still rendering
            with contextlib.suppress(Exception):
                future.result()
        self._reclaim()


def index_files(batch: Batch, files: dict[Path, bytes]) -> dict[Path, bytes]:
    """The index page linking every report, and the compared metrics as CSV."""
    entries = []
    for report in batch.reports:
        names = [p for p in files if p.parent == batch.out_dir and p.stem == report.job.slug]
        links = [
            (LINK_KINDS[p.suffix], p.name)
            for p in sorted(names, key=lambda p: list(LINK_KINDS).index(p.suffix))
            if p.suffix in LINK_KINDS
        ]
        exports = batch.out_dir / f"{report.job.slug}-data"
        if any(p.is_relative_to(exports) for p in files):
            links.append(("CSV files", f"{exports.name}/"))  # the folder of the section tables
        entries.append(IndexEntry(report.value, links, report.compared))
    first = batch.reports[0].job
    label = batch.param.label or batch.name.replace("_", " ").capitalize()
    csv_path = batch.out_dir / f"{batch.slug}-index.csv"
    page = index_page(
        first.model,
        title=f"{batch.loaded.spec.report.title}: one report per {label.lower()}",
        label=label,
        entries=entries,
        compared=batch.metrics,
        summary=batch.summary,
        csv_href=csv_path.name,
        notes=batch.notes,
        build_date=first.build_date,
    )
    index = render_index(page, first.engine.cache_dir)
    made = {batch.out_dir / f"{batch.slug}-index.html": index.encode("utf-8")}
    if batch.metrics:
        made[csv_path] = csv_bytes(compare_frame(label, entries, batch.metrics))
    return made


def write_batch(batch: Batch, files: dict[Path, bytes], progress: Progress) -> None:
    """Every file of the batch, staged together and then renamed into place."""
    first = batch.reports[0].job
    prepare_dir(first.out_dir, create=not first.out_dir_given or first.out_dir.parent.exists())
    with progress.stage("write files"):
        write_all(files, root=first.out_dir, resolved=first.out_root)
        for report in batch.reports:
            tidy_exports(
                report.job,
                {
                    p: b
                    for p, b in files.items()
                    if p.is_relative_to(first.out_dir / f"{report.job.slug}-data")
                },
            )
