"""A spec and ``--each NAME`` → one report per value of the parameter, and an index page.

The data is loaded and cleaned once (pandas): each value gets its own executor over the same
frames, sharing the row positions; a section whose results-cache key is the same for two
values (its query does not depend on the parameter) is computed once. The reports are then
rendered side by side in worker processes (``stages.batch_render``) and nothing is written
until every value has rendered: a failing value is named and leaves the folder as it was.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportgen.engine.cache_keys import batch_key
from reportgen.engine.finish import run_section
from reportgen.engine.plan import Executor, plan_section
from reportgen.errors import ReportgenError, SpecIssue, UsageError, did_you_mean
from reportgen.model.params import PARAMS, shown
from reportgen.model.semantic import Model
from reportgen.progress import Progress
from reportgen.spec.load import LoadedSpec, load_spec, raise_located
from reportgen.spec.models import AnalysisSection, Query
from reportgen.spec.params import ParamSpec
from reportgen.stages.batch_names import value_slugs
from reportgen.stages.batch_split import split_executors, value_filter
from reportgen.stages.execute import Engine, load_engine
from reportgen.stages.job import BuildJob, BuildOptions, plan_job
from reportgen.stages.outputs import check_outputs, slug_of
from reportgen.stages.param_values import data_values
from reportgen.stages.sections import (
    Reused,
    SectionTables,
    compute_over,
    data_prints,
    read_cached,
    set_keys,
)

PROBE = "\u2063reportgen-probe"  # a value no data holds: plans every filter a value can keep


@dataclass
class BatchReport:
    """One value's report: its job (files named by the value), tables and compared metrics."""

    value: str
    slug: str
    job: BuildJob
    tables: SectionTables = field(default_factory=SectionTables)
    compared: dict[str, Any] = field(default_factory=dict)  # metric → raw value


@dataclass
class Batch:
    """The parameter a batch runs over, its values' reports and what the index page says."""

    name: str
    param: ParamSpec
    loaded: LoadedSpec  # the spec as written (unbound)
    slug: str  # the spec's own slug: the index is '<slug>-index.html'
    out_dir: Path
    reports: list[BatchReport]
    metrics: list[str]  # compared on the index page
    summary: str  # the metric on each report's line
    notes: list[str]  # renamed file names
    probe: BuildJob  # the job bound to a value that keeps every filter (or the first value)


def batch_parameter(loaded: LoadedSpec, each: str | None, given: dict[str, str]) -> str:
    """The parameter ``--each`` names (alone: the spec's ``batch.each``), checked."""
    spec = loaded.spec
    name = each or (spec.batch.each if spec.batch is not None else None)
    if not name:
        msg = "--each: name the parameter to build one report per value of (--each NAME), or set batch.each in the spec"
        raise UsageError(msg)
    if name not in spec.params:
        declared = list(spec.params)
        what = f"it declares: {', '.join(declared)}" if declared else "it declares none"
        msg = f"--each {name}: the spec has no parameter '{name}' ({what}){did_you_mean(name, declared)}"
        raise_located(loaded, [SpecIssue((PARAMS,), msg)])
    if name in given:
        msg = f"--each {name} and --param {name}=…: give one of them"
        raise UsageError(msg)
    param = spec.params[name]
    if param.values is None and param.values_of is None:
        msg = f"--each {name}: parameter '{name}' lists no values; declare values: [...] or values_of: FIELD"
        raise UsageError(msg)
    return name


def plan_batch(spec_path: Path, options: BuildOptions, each: str | None) -> Batch:
    """The batch's parameter, metrics and the jobs of the values listed in the spec (values
    of the data, ``values_of``, are known once it is loaded: ``add_reports``)."""
    loaded = load_spec(spec_path)
    name = batch_parameter(loaded, each, dict(options.params))
    spec = loaded.spec
    metrics = list(spec.batch.compare) if spec.batch is not None else []
    chosen = spec.batch.summary if spec.batch is not None else None
    out_dir = options.output_dir or loaded.base_dir / "output"
    param = spec.params[name]
    probe = shown(param.values[0]) if param.values is not None else probe_value(param)
    batch = Batch(
        name=name,
        param=param,
        loaded=loaded,
        slug=slug_of(spec),
        out_dir=out_dir,
        reports=[],
        metrics=metrics,
        summary=chosen or (metrics[0] if metrics else next(iter(spec.metrics))),
        notes=[],
        probe=job_for(spec_path, options, name, probe, loaded, all_texts=True),
    )
    if param.values is not None:
        add_reports(batch, spec_path, options, [shown(v) for v in param.values])
    return batch


def probe_value(param: ParamSpec) -> str:
    """A value of the parameter's type that no data holds and no condition compares equal to."""
    return {"number": "-1.2345e300", "date": "1000-01-01"}.get(param.type, PROBE)


def job_for(
    spec_path: Path,
    options: BuildOptions,
    name: str,
    value: str,
    loaded: LoadedSpec,
    *,
    all_texts: bool = False,
) -> BuildJob:
    """The build job with the parameter bound to ``value`` (the spec read once: ``loaded``).
    ``all_texts``: check every text (the probe's job), else only those naming ``params``."""
    params = (*options.params, (name, value))
    options = dataclasses.replace(options, params=params)
    return plan_job(spec_path, options, loaded, texts_checked=not all_texts)


def add_reports(batch: Batch, spec_path: Path, options: BuildOptions, values: list[str]) -> None:
    """A job per value, its files named '<slug>-<value>'; outputs checked like a build's."""
    if not values:
        msg = f"--each {batch.name}: the parameter has no values (nothing to build)"
        raise UsageError(msg)
    slugs, batch.notes = value_slugs(values)
    for value in values:
        job = job_for(spec_path, options, batch.name, value, batch.loaded)
        job = dataclasses.replace(job, slug=f"{batch.slug}-{slugs[value]}")
        check_outputs(job.loaded, job.names, job.formats)
        batch.reports.append(BatchReport(value, slugs[value], job))


def compute_batch(
    batch: Batch,
    spec_path: Path,
    options: BuildOptions,
    progress: Progress,
    ready: Callable[[BatchReport], None],
    loaded: Callable[[], None] = lambda: None,
) -> None:
    """Every value's tables and compared metrics, each report handed to ``ready`` once
    computed: the data loaded once (pandas; not at all when the results cache holds
    everything), or once per value (Dask: each value's run on the cluster). ``loaded`` is
    called once the values are known and the data is loaded."""
    first = batch.probe
    if first.engine.name != "pandas":
        if not batch.reports:  # values of the data: one load to read them
            with progress.stage("load data"):
                probe_engine = load_engine(first.model, first.engine, first.needed, progress)
            with closing(probe_engine):
                values = data_values(first.model, probe_engine.executor, values_of(batch))
            add_reports(batch, spec_path, options, values)
        loaded()
        for report in batch.reports:
            with progress.stage(f"load data ({batch.name} = {report.value})"):
                engine = load_engine(report.job.model, report.job.engine, report.job.needed)
            with closing(engine), failing_value(batch, report):
                compute_report(report, engine, engine.executor, None, progress)
            ready(report)
        return
    if first.store is not None and all_cached(batch, spec_path, options, progress):
        loaded()
        for report in batch.reports:
            ready(report)
        return
    needed = merged_needs([first, *(r.job for r in batch.reports)])
    with progress.stage("load data"):
        engine = load_engine(first.model, first.engine, needed, progress)
    with closing(engine):
        make = shared_rows(engine.executor)
        if not batch.reports:
            values = data_values(first.model, engine.executor, values_of(batch))
            if first.store is not None:
                first.store.put("values", values_key(first, values_of(batch)), values)
            add_reports(batch, spec_path, options, values)
        loaded()
        executor_for = value_executors(batch, make)
        reused: Reused = {}
        for report in batch.reports:
            with failing_value(batch, report):
                executor = executor_for(report.job, report.value)
                compute_report(report, engine, executor, reused, progress)
            ready(report)


def all_cached(batch: Batch, spec_path: Path, options: BuildOptions, progress: Progress) -> bool:
    """Whether the results cache holds everything the batch computes (its values of the data,
    each value's sections, data-quality record and compared metrics), each report's tables
    then taken from it; the data is not read (a rebuild after a text edit)."""
    store = batch.probe.store
    assert store is not None
    with progress.stage("results cache"):
        if not batch.reports:
            values = store.get("values", values_key(batch.probe, values_of(batch)))
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                return False
            add_reports(batch, spec_path, options, values)
        for report in batch.reports:
            job, tables = report.job, report.tables
            read_cached(job, store, tables)
            compared = store.get("compared", compared_key(job))
            if any(sid not in tables.results for sid in job.plans) or tables.quality is None:
                return False
            if not isinstance(compared, dict):
                return False
            tables.computed, tables.data_loaded = [], False
            tables.results = {sid: tables.results[sid] for sid in job.plans}
            report.compared = compared
    return True


def values_key(job: BuildJob, field_name: str) -> str:
    return batch_key(job.model, data_prints(job), "values", [field_name], job.engine.name)


def compared_key(job: BuildJob) -> str:
    return batch_key(job.model, data_prints(job), "compared", compared_names(job), job.engine.name)


def values_of(batch: Batch) -> str:
    assert batch.param.values_of is not None
    return batch.param.values_of


def merged_needs(jobs: list[BuildJob]) -> dict[str, set[str]]:
    """The columns every job needs, per table (a value that turns a filter off needs fewer)."""
    needed: dict[str, set[str]] = {}
    for job in jobs:
        for table, columns in job.needed.items():
            needed.setdefault(table, set()).update(columns)
    return needed


def shared_rows(loaded_executor: Executor) -> Callable[[Model], Executor]:
    """A maker of executors over the frames ``loaded_executor`` holds, sharing what does not
    depend on the filters (row positions, paths, valid rows); masks and fields are each
    model's own."""
    from reportgen.engine.pandas_engine import PandasExecutor

    assert isinstance(loaded_executor, PandasExecutor)
    state: dict[str, Any] = {"positions": {}, "paths": {}, "valid": {}, "orphans": {}}
    loaded_executor.adopt({**state, "masks": {}})

    def make(model: Model) -> Executor:
        executor = PandasExecutor(model, loaded_executor.frames)
        executor.adopt({**state, "masks": {}})
        return executor

    return make


def value_executors(
    batch: Batch, make: Callable[[Model], Executor]
) -> Callable[[BuildJob, str], Executor]:
    """Each value's executor: over one pass for every value when the values differ only by a
    filter ``column == value`` (``stages.batch_split``), else over its own model."""
    from reportgen.engine.pandas_engine import PandasExecutor

    probe_value = batch.probe.loaded.params.get(batch.name)
    chosen = (
        value_filter(
            batch.probe,
            probe_value,
            [r.value for r in batch.reports],
            [r.job for r in batch.reports],
        )
        if isinstance(probe_value, str)
        else None
    )
    if chosen is None:
        return lambda job, value: make(job.model)

    def share_fields(own: Executor, base: Executor) -> None:
        assert isinstance(own, PandasExecutor)
        assert isinstance(base, PandasExecutor)
        own.use_fields_of(base)

    return split_executors(batch.probe, chosen, make, share_fields)


def compute_report(
    report: BatchReport,
    engine: Engine,
    executor: Executor,
    reused: Reused | None,
    progress: Progress,
) -> None:
    """One value's section tables (cache, then ``reused``, then computed) and its metrics."""
    job, tables = report.job, report.tables
    with progress.stage(f"compute sections ({report.value})"):
        if job.store is not None:
            read_cached(job, job.store, tables)
        else:
            set_keys(job, tables)
        tables.computed = [sid for sid in job.plans if sid not in tables.results]
        tables.data_loaded = True
        compute_over(job, tables, engine, executor, reused)
        tables.results = {sid: tables.results[sid] for sid in job.plans}
        report.compared = compared_metrics(job, executor)
        if job.store is not None:
            job.store.put("compared", compared_key(job), report.compared)


def compared_names(job: BuildJob) -> list[str]:
    """The metrics the index page shows: those compared, and the one its lines quote."""
    spec = job.spec
    metrics = list(spec.batch.compare) if spec.batch is not None else []
    summary = (spec.batch.summary if spec.batch is not None else None) or (
        metrics[0] if metrics else next(iter(spec.metrics))
    )
    return list(dict.fromkeys([*metrics, summary]))


def compared_metrics(job: BuildJob, executor: Executor) -> dict[str, Any]:
    """The index page's metrics over all of the value's rows (one aggregation), as plain
    numbers (None where the value has no rows)."""
    wanted = compared_names(job)
    section = AnalysisSection(id="batch-compare", title="", query=Query(metrics=wanted))
    result = run_section(job.model, executor, plan_section(job.model, section))
    row = result.full.iloc[0] if len(result.full) else None
    return {m: (_plain(row[m]) if row is not None else None) for m in wanted}


def _plain(value: Any) -> Any:
    """A numpy number as a Python one (a count stays an integer), as the cache keeps it."""
    return value.item() if hasattr(value, "item") else value


@contextmanager
def failing_value(batch: Batch, report: BatchReport) -> Iterator[None]:
    """Name the value whose report failed (on stderr) and let the error end the batch."""
    try:
        yield
    except ReportgenError:
        sys.stderr.write(
            f"reportgen: the report for {batch.name} = {report.value} failed; "
            "no file of the batch was written\n"
        )
        raise
