"""The build job → every analysis section's numbers, the capped chart tables and the
data-quality record: from the results cache when their keys match, else computed from the data
(which is then loaded once) and stored. When everything hits, no data is read."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, field

import pandas as pd

from reportgen.charts.capping import capped_key, capped_table, chart_cap
from reportgen.data.cache import fingerprint
from reportgen.data.files import resolve_files
from reportgen.engine.cache_keys import quality_key, section_key
from reportgen.engine.finish import SectionResult, run_section
from reportgen.engine.plan import NOT_STATED, Executor, SectionPlan
from reportgen.engine.results_cache import ResultsCache
from reportgen.model.quality import DataQuality
from reportgen.progress import Progress
from reportgen.stages.execute import Engine, check_rows_left, load_engine
from reportgen.stages.job import BuildJob
from reportgen.stages.param_values import check_given_values
from reportgen.stages.quality import quality_numbers

GroupOrders = dict[str, list[str] | None]


@dataclass
class SectionTables:
    """What the build reports, by section id; ``computed``: the sections not found cached."""

    results: dict[str, SectionResult] = field(default_factory=dict)
    orders: dict[str, GroupOrders] = field(default_factory=dict)
    charted: dict[str, pd.DataFrame] = field(default_factory=dict)
    quality: DataQuality | None = None
    keys: dict[str, str] = field(default_factory=dict)  # each section's results-cache key
    quality_key: str = ""
    computed: list[str] = field(default_factory=list)
    atoms_computed: int = 0  # aggregations the executor ran for the sections and their charts
    data_loaded: bool = False


def section_tables(job: BuildJob, progress: Progress) -> SectionTables:
    """Every section's numbers, in the spec's order, each from the cache or the data."""
    tables = SectionTables()
    if job.store is not None:
        with progress.stage("results cache"):
            read_cached(job, job.store, tables)
    tables.computed = [sid for sid in job.plans if sid not in tables.results]
    tables.data_loaded = bool(tables.computed) or tables.quality is None
    if tables.data_loaded:
        compute(job, tables, progress)
    tables.results = {sid: tables.results[sid] for sid in job.plans}
    return tables


def read_cached(job: BuildJob, store: ResultsCache, tables: SectionTables) -> None:
    """The cached sections (with their capped charts) and quality record whose keys match."""
    set_keys(job, tables)
    for sid, key in tables.keys.items():
        entry = store.get("section", key)
        cached = SectionResult.from_cache(entry)
        if entry is None or cached is None or (sid in job.totals and cached.total is None):
            continue  # not cached, or a text now quotes the total: compute it again
        capped = capped_key(job.sections[sid], cached, key)
        if capped is not None:
            chart_table = store.get("capped", capped)
            if chart_table is None:
                continue  # compute the section again with its chart
            tables.charted[sid] = chart_table
        tables.results[sid], tables.orders[sid] = cached, entry["orders"]
    found = store.get("quality", tables.quality_key)
    tables.quality = DataQuality.from_json(found) if found is not None else None


def data_prints(job: BuildJob) -> dict[str, str]:
    """Each table's data fingerprint (its files' names, sizes and times: ``data.cache``)."""
    base_dir = job.loaded.base_dir
    return {
        name: fingerprint(table, resolve_files(name, table, base_dir))
        for name, table in job.spec.data.items()
    }


def set_keys(job: BuildJob, tables: SectionTables) -> None:
    """Each section's results-cache key and the data-quality record's: the data fingerprints,
    the spec of what it computes (parameters bound) and the engine."""
    model, engine = job.model, job.engine.name
    prints = data_prints(job)
    tables.keys = {sid: section_key(model, plan, prints, engine) for sid, plan in job.plans.items()}
    tables.quality_key = quality_key(model, prints, job.needed, engine, job.plans)


def compute(job: BuildJob, tables: SectionTables, progress: Progress) -> None:
    """Load the data once and compute what the cache did not have; store it."""
    if job.draws_charts:
        from reportgen.charts.convert import warm_up

        warm_up()  # the chart converter starts while the data loads
    with progress.stage("load data"):
        engine = load_engine(job.model, job.engine, job.needed, progress)
    with progress.stage("compute sections"), closing(engine):
        check_given_values(job.loaded, job.model, engine.executor)  # before 'no rows left'
        compute_over(job, tables, engine, engine.executor)


Reused = dict[str, tuple[SectionResult, GroupOrders, pd.DataFrame | None]]


def compute_over(
    job: BuildJob,
    tables: SectionTables,
    engine: Engine,
    executor: Executor,
    reused: Reused | None = None,
) -> None:
    """Compute the sections the cache did not have over loaded data, and the quality record;
    store them. ``reused`` (a batch): sections by key, computed for an earlier value; a
    section whose key is there (its query does not depend on the value) is not computed again."""
    check_rows_left(job.model, executor)
    before = executor.aggregated
    for sid in tables.computed:
        found = reused.get(tables.keys[sid]) if reused is not None else None
        if found is not None:
            tables.results[sid], tables.orders[sid], chart_table = found
            if chart_table is not None:
                tables.charted[sid] = chart_table
            continue
        compute_section(job, executor, sid, tables)
        if reused is not None:
            entry = (tables.results[sid], tables.orders[sid], tables.charted.get(sid))
            reused[tables.keys[sid]] = entry
    tables.atoms_computed = executor.aggregated - before
    if tables.quality is None:
        tables.quality = quality_numbers(job.model, executor, engine.tables, job.plans.values())
        if job.store is not None:
            job.store.put("quality", tables.quality_key, tables.quality.to_json())
    if job.store is not None:
        store_sections(job, job.store, tables)


def compute_section(job: BuildJob, executor: Executor, sid: str, tables: SectionTables) -> None:
    """One section's numbers, its groups' order and, for a long result, its chart's table."""
    plan, section = job.plans[sid], job.sections[sid]
    result = run_section(job.model, executor, plan, total=sid in job.totals)
    tables.results[sid] = result
    tables.orders[sid] = group_orders(executor, plan, result)
    cap = chart_cap(section, result.shown)
    if cap is not None:
        tables.charted[sid] = capped_table(job.model, executor, section, plan, result, cap)


def store_sections(job: BuildJob, store: ResultsCache, tables: SectionTables) -> None:
    """Keep the computed sections (and their capped chart tables) in the results cache."""
    for sid in tables.computed:
        entry = {**tables.results[sid].to_cache(), "orders": tables.orders[sid]}
        store.put("section", tables.keys[sid], entry)
        capped = capped_key(job.sections[sid], tables.results[sid], tables.keys[sid])
        if capped is not None:
            store.put("capped", capped, tables.charted[sid])


def group_orders(executor: Executor, plan: SectionPlan, result: SectionResult) -> GroupOrders:
    """Each group column's category order (None: numbers, or text in no declared order), with
    "Not stated" and then the other bucket after the categories when the result has them."""
    orders: GroupOrders = {}
    for index, key in enumerate(plan.by):
        order = executor.categories(key, plan.atoms[0].over)
        if order is not None:
            present = set(result.full[key.name].astype(str))
            labels = [NOT_STATED] if NOT_STATED in present else []
            if index == 0 and result.other_label is not None:
                labels.append(result.other_label)
            order = [*order, *(label for label in labels if label not in order)]
        orders[key.name] = order
    return orders
