"""The stages, in order: spec → model → data → section tables → views → HTML/PDF → files.

This is the only module that knows the order; each stage lives in its own package.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import pandas as pd

from reportgen.errors import SpecIssue, UsageError, did_you_mean
from reportgen.model.semantic import Model, build_model
from reportgen.spec.models import (
    NAME_MAX_LENGTH,
    AnalysisSection,
    DataQualitySection,
    DefinitionsSection,
    Spec,
)

if TYPE_CHECKING:
    from reportgen.engine.plan import Executor


@dataclass(frozen=True)
class BuildOptions:
    """What the command line asked for."""

    formats: tuple[str, ...] = ("html", "pdf")
    output_dir: Path | None = None
    sections: tuple[str, ...] = ()
    engine: str | None = None
    scheduler: str | None = None
    use_cache: bool = True
    quiet: bool = False


@dataclass
class BuildStats:
    """What a build did: tests and the benchmark read these to check the results cache."""

    sections_computed: int = 0
    sections_planned: int = 0  # the analysis sections this build needs (--section: fewer)
    atoms_computed: int = 0  # aggregations the executor ran for the sections and their charts
    charts_rendered: int = 0
    data_loaded: bool = False
    view: Any = None  # the ReportView rendered (benchmarks time its HTML and PDF variants)


class Progress:
    """Stage-by-stage progress: an updating line on a terminal, plain lines otherwise."""

    def __init__(self, stream: TextIO, quiet: bool) -> None:
        self.stream, self.quiet = stream, quiet
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.started = time.perf_counter()
        self.timings: dict[str, float] = {}
        self.ticker: Any = None  # the running stage's live line (its .detail says on what)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        from reportgen.progress import ticking

        begin = time.perf_counter()
        if not self.quiet and self.tty:
            self.stream.write(f"\r\033[K{name} …")
            self.stream.flush()
        with ticking(self.stream, name, quiet=self.quiet) as self.ticker:
            yield
        elapsed = time.perf_counter() - begin
        self.timings[name] = elapsed
        if not self.quiet:
            line = f"{name:<28} {elapsed:6.2f} s"
            self.stream.write(f"\r\033[K{line}\n" if self.tty else f"{line}\n")
            self.stream.flush()

    def done(self, message: str) -> None:
        if not self.quiet:
            total = time.perf_counter() - self.started
            self.stream.write(f"{message} ({total:.1f} s)\n")


def slug_of(spec: Spec) -> str:
    if spec.report.slug:
        return spec.report.slug
    slug = re.sub(r"[^a-z0-9]+", "-", spec.report.title.lower()).strip("-")
    return slug[:NAME_MAX_LENGTH].rstrip("-") or "report"


def _check_headers(loaded: Any) -> tuple[Model, dict[str, list[str]]]:
    """Read only the data headers and resolve every name of the spec against them."""
    from reportgen.spec.load import raise_located

    model, columns, issues = _resolve(loaded.spec, loaded.base_dir)
    if issues:
        raise_located(loaded, issues)
    return model, columns


def _resolve(spec: Spec, base_dir: Path) -> tuple[Model, dict[str, list[str]], list[SpecIssue]]:
    """The model of ``spec`` over the data headers (only they are read), and its problems."""
    from reportgen.data.read import read_header
    from reportgen.data.undeclared import undeclared_hints

    columns = {name: read_header(name, table, base_dir) for name, table in spec.data.items()}
    model, issues = build_model(spec, columns)
    return model, columns, undeclared_hints(spec, base_dir, columns, issues)


def load_and_resolve(spec_path: Path) -> tuple[Any, Model, dict[str, list[str]]]:
    """The spec loaded and resolved against the data headers.

    When the spec has structural problems (a misspelt key, a wrong type), the entries they sit
    in are set aside and the rest is still resolved against the data, so one run reports the
    unknown columns and names too, each at its line.
    """
    from reportgen.errors import SpecError
    from reportgen.spec.load import load_spec

    try:
        loaded = load_spec(spec_path)
    except SpecError as error:
        more = _issues_of_the_rest(spec_path, error.issues)
        if more:
            raise SpecError(error.file, [*error.issues, *more]) from None
        raise
    model, columns = _check_headers(loaded)
    return loaded, model, columns


def _issues_of_the_rest(spec_path: Path, found: list[SpecIssue]) -> list[SpecIssue]:
    """Resolve the spec without what ``found`` points at; [] when the rest cannot be resolved.

    First only the offending keys are dropped (a misspelt option falls back to its default);
    failing that, the whole field, metric, filter or section they sit in is set aside, and the
    problems that only name a set-aside entry are not repeated.
    """
    from reportgen.errors import ReportgenError
    from reportgen.spec.load import locate_issues
    from reportgen.spec.recover import without_problems
    from reportgen.spec.yaml_reader import read_yaml

    try:
        document = read_yaml(spec_path)
    except ReportgenError:
        return []
    for data, set_aside in without_problems(document.data, found):
        resolved = _resolve_quietly(spec_path, data, document.positions)
        if resolved is not None:
            kept = [i for i in resolved if not any(f"'{n}'" in i.message for n in set_aside)]
            return locate_issues(document.positions, kept)
    return []


def _resolve_quietly(spec_path: Path, data: Any, positions: Any) -> list[SpecIssue] | None:
    """The semantic problems of a spec given as data, or None if it does not even load."""
    from pydantic import ValidationError

    from reportgen.errors import ReportgenError
    from reportgen.spec.checks import spec_checks

    try:
        spec = Spec.model_validate(data)
    except ValidationError:
        return None
    if spec_checks(data, positions):
        return None
    try:
        return _resolve(spec, spec_path.resolve().parent)[2]
    except ReportgenError:
        return None


def _check_narratives(loaded: Any, model: Model) -> None:
    """Render every title and text against specimen results (the right columns, made-up
    numbers): an unknown name is found without reading the data."""
    from reportgen.render.views import (
        render_section_text,
        specimen_contexts,
        specimen_data_context,
    )
    from reportgen.spec.load import raise_located

    spec: Spec = loaded.spec
    analysis = [s for s in spec.sections if isinstance(s, AnalysisSection)]
    contexts = specimen_contexts(model, analysis)
    extra = specimen_data_context(model)
    issues: list[SpecIssue] = []
    for index, section in enumerate(spec.sections):
        render_section_text(spec, index, section, contexts, extra, issues)
    if issues:
        raise_located(loaded, issues)


def validate(spec_path: Path, *, stdout: TextIO | None = None) -> Model:
    """Check the spec and every column it names against the data headers (reads no rows)."""
    loaded, model, columns = load_and_resolve(spec_path)
    from reportgen.engine.plan import plan_section

    for section in loaded.spec.sections:
        if isinstance(section, AnalysisSection):
            plan_section(model, section)
    _check_narratives(loaded, model)
    out = stdout or sys.stdout
    n_sections = len(loaded.spec.sections)
    out.write(
        f"{spec_path}: OK ({len(columns)} tables, {len(loaded.spec.fields)} fields, "
        f"{len(model.metrics)} metrics, {n_sections} sections)\n"
    )
    return model


# The largest time a date can show: 9999-12-31 23:59:59 UTC.
MAX_EPOCH = 253_402_300_799


def source_date_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` as seconds since 1970, or None when unset or empty.

    A value that is not a whole number from 0 to ``MAX_EPOCH`` is a usage error (exit 2).
    """
    text = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 12 or int(text) > MAX_EPOCH:
        shown = text if len(text) <= 24 else text[:21] + "..."
        msg = (
            f"SOURCE_DATE_EPOCH={shown!r} is not a valid time: expected a whole number of "
            f"seconds since 1970-01-01 UTC, from 0 to {MAX_EPOCH} (9999-12-31)"
        )
        raise UsageError(msg)
    return int(text)


def build_date(spec: Spec, base_dir: Path) -> str:
    """SOURCE_DATE_EPOCH when set, else the newest input file's date: reproducible either way."""
    epoch = source_date_epoch()
    if epoch is not None:
        return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).date().isoformat()
    from reportgen.data.files import resolve_files

    newest = 0.0
    for name, table in spec.data.items():
        for file in resolve_files(name, table, base_dir):
            newest = max(newest, file.path.stat().st_mtime)
    return dt.datetime.fromtimestamp(newest, tz=dt.UTC).date().isoformat()


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

    stats = stats if stats is not None else BuildStats()

    progress = Progress(stdout or sys.stdout, options.quiet)
    with progress.stage("spec and headers"):
        loaded, model, _ = load_and_resolve(spec_path)
        spec: Spec = loaded.spec
        selected = _select_sections(spec, options.sections)

    from reportgen.engine.plan import needed_columns, plan_section, sections_needed

    analysis = [(i, s) for i, s in enumerate(spec.sections) if isinstance(s, AnalysisSection)]
    computed = sections_needed(spec, selected)  # --section: the chosen and what they quote
    plans = {s.id: plan_section(model, s) for _, s in analysis if s.id in computed}
    date = build_date(spec, loaded.base_dir)
    out_dir = options.output_dir or loaded.base_dir / "output"
    out_root = Path(os.path.realpath(out_dir))  # where every output goes, fixed now
    slug = slug_of(spec)
    _check_outputs(
        loaded,
        out_dir,
        slug,
        options.formats,
        [sid for sid in plans if not selected or sid in selected],
    )

    needed = needed_columns(model, plans.values())
    engine_name = options.engine or spec.settings.engine
    cache_dir = loaded.base_dir / ".reportgen-cache" if options.use_cache else None
    store = _results_store(loaded.base_dir, options)
    keys: dict[str, str] = {}
    results: dict[str, Any] = {}  # SectionResult by section id
    orders: dict[str, dict[str, list[str] | None]] = {}
    charted: dict[str, pd.DataFrame] = {}
    quality: dict[str, Any] | None = None
    quality_cache_key = ""
    totals = sections_with_total(spec)
    if store is not None:
        with progress.stage("results cache"):
            from reportgen.data.cache import fingerprint
            from reportgen.data.files import resolve_files
            from reportgen.engine.finish import SectionResult
            from reportgen.engine.results_cache import quality_key, section_key

            prints = {
                name: fingerprint(table, resolve_files(name, table, loaded.base_dir))
                for name, table in spec.data.items()
            }
            keys = {
                sid: section_key(model, plan, prints, engine_name) for sid, plan in plans.items()
            }
            for sid, key in keys.items():
                entry = store.get("section", key)
                cached = SectionResult.from_cache(entry) if entry is not None else None
                if cached is None or (sid in totals and cached.total is None):
                    continue  # not cached, or a text now quotes the total: compute it again
                results[sid], orders[sid] = cached, entry["orders"]
            for sid in list(results):
                capped_key = _capped_key(spec, plans, results, keys, sid)
                if capped_key is not None:
                    capped = store.get("capped", capped_key)
                    if capped is None:
                        del results[sid], orders[sid]  # recompute the section with its chart
                    else:
                        charted[sid] = capped
            quality_cache_key = quality_key(model, prints, needed, engine_name, plans)
            quality = store.get("quality", quality_cache_key)
    missing = [sid for sid in plans if sid not in results]
    stats.sections_computed = len(missing)
    stats.sections_planned = len(plans)
    stats.data_loaded = bool(missing) or quality is None
    if stats.data_loaded:
        if any(isinstance(s, AnalysisSection) and s.chart for s in spec.sections):
            from reportgen.charts.convert import warm_up

            warm_up()  # the chart converter starts while the data loads
        with progress.stage("load data"):
            from reportgen.data.load import load_table

            executor: Any = None
            if engine_name == "dask":
                # Dimensions load in pandas; fact tables are read by the Dask workers.
                from reportgen.engine.dask_engine import DaskExecutor
                from reportgen.engine.dask_read import load_tables

                sources = load_tables(model, loaded.base_dir, needed, cache_dir=cache_dir)
                executor = DaskExecutor(model, sources, scheduler=options.scheduler)
                tables = executor.tables
            else:
                tables = {}
                for number, (name, table) in enumerate(spec.data.items(), 1):
                    progress.ticker.detail = f"{name} ({number} of {len(spec.data)})"
                    tables[name] = load_table(
                        name,
                        table,
                        loaded.base_dir,
                        columns=sorted(needed[name]),
                        cache_dir=cache_dir,
                    )

        with progress.stage("compute sections"), ExitStack() as cleanup:
            if executor is not None:
                cleanup.callback(executor.close)
            _check_not_empty(tables)
            executor = executor or _executor(model, tables, options)
            _check_rows_left(model, executor)
            from reportgen.engine.finish import run_section

            for sid in missing:
                plan = plans[sid]
                results[sid] = run_section(model, executor, plan, total=sid in totals)
                orders[sid] = _group_orders(executor, plan, results[sid])
            charted.update(_chart_results(spec, model, executor, plans, results, missing))
            stats.atoms_computed = executor.aggregated
            if quality is None:
                quality = _quality_to_json(
                    tables, _quality_numbers(model, executor, tables, plans.values())
                )
                if store is not None:
                    store.put("quality", quality_cache_key, quality)
            if store is not None:
                for sid in missing:
                    entry = {**results[sid].to_cache(), "orders": orders[sid]}
                    store.put("section", keys[sid], entry)
                    capped_key = _capped_key(spec, plans, results, keys, sid)
                    if capped_key is not None:
                        store.put("capped", capped_key, charted[sid])
    assert quality is not None
    results = {sid: results[sid] for sid in plans}  # the spec's order, hit or computed
    qualities, quality_extra = _quality_from_json(quality)
    _warn_unused(loaded, _unused_categories(spec, quality_extra), options.quiet)

    with progress.stage("charts and text"):
        views, metas = _section_views(
            spec,
            model,
            selected,
            results,
            orders,
            quality_extra,
            qualities,
            loaded,
            charted,
            charts=_ChartCache(store, keys, stats),
        )

    from reportgen.render.context import ReportView

    view = ReportView(
        title=spec.report.title,
        subtitle=spec.report.subtitle,
        client=spec.report.client,
        author=spec.report.author,
        subject=spec.report.subject or spec.report.subtitle,
        data_date=spec.report.data_date,
        build_date=date,
        page_size=spec.settings.page_size,
        sections=views,
    )
    stats.view = view
    from reportgen.output import csv_bytes, prepare_dir, remove_stale_exports, write_all

    prepare_dir(out_dir, create=options.output_dir is None or out_dir.parent.exists())
    files: dict[Path, bytes] = {}
    if "html" in options.formats:
        with progress.stage("HTML"):
            from reportgen.render.html import render_html

            files[out_dir / f"{slug}.html"] = render_html(view, cache_dir=cache_dir).encode("utf-8")
    if "pdf" in options.formats:
        with progress.stage("PDF"):
            from reportgen.render.pdf import render_pdf

            files[out_dir / f"{slug}.pdf"] = render_pdf(
                view, base_dir=loaded.base_dir, cache_dir=cache_dir
            )
    for sid, result in results.items():
        if not selected or sid in selected:  # every group, not only the top-N shown
            files[out_dir / f"{slug}-data" / f"{sid}.csv"] = csv_bytes(result.full)
    with progress.stage("write files"):
        write_all(files, root=out_dir, resolved=out_root)
        if not selected:  # a whole build: the export folder holds exactly its files
            remove_stale_exports(out_dir / f"{slug}-data", {f"{sid}.csv" for sid in results})
    if store is not None:
        store.prune()  # entries of older code and specs, unused for weeks or beyond the size cap
    progress.done(f"wrote {', '.join(str(p) for p in files if p.suffix in ('.html', '.pdf'))}")
    return {p.suffix.lstrip("."): p for p in files}


def _check_outputs(
    loaded: Any, out_dir: Path, slug: str, formats: tuple[str, ...], exported: list[str]
) -> None:
    """Before anything runs: no output may replace the spec or a data file (exit 4)."""
    from reportgen.data.files import resolve_files
    from reportgen.output import check_targets

    targets = [out_dir / f"{slug}.{kind}" for kind in ("html", "pdf") if kind in formats]
    targets += [out_dir / f"{slug}-data" / f"{sid}.csv" for sid in exported]
    reads = {loaded.path: "the spec"}
    for name, table in loaded.spec.data.items():
        for file in resolve_files(name, table, loaded.base_dir):
            reads[file.path] = f"an input of table '{name}'"
    check_targets(out_dir, targets, reads)


def _select_sections(spec: Spec, wanted: tuple[str, ...]) -> set[str]:
    ids = [s.id for s in spec.sections]
    for section_id in wanted:
        if section_id not in ids:
            msg = f"--section {section_id}: no section with that id{did_you_mean(section_id, ids)}"
            raise UsageError(msg)
    return set(wanted)


def _executor(model: Model, tables: dict[str, Any], options: BuildOptions) -> Executor:
    engine = options.engine or model.spec.settings.engine
    frames = {name: loaded.frame for name, loaded in tables.items()}
    if engine == "dask":
        from reportgen.engine.dask_engine import DaskExecutor

        return DaskExecutor(model, frames, scheduler=options.scheduler)
    from reportgen.engine.pandas_engine import PandasExecutor

    return PandasExecutor(model, frames)


def _check_not_empty(tables: dict[str, Any]) -> None:
    """A table with no rows (a header-only file, or every row cleaned away) is a data error."""
    from reportgen.errors import DataError

    for name, table in tables.items():
        if table.quality.rows_kept == 0:
            files = ", ".join(table.quality.files)
            what = (
                "the file has a header but no rows"
                if table.quality.rows_read == 0
                else f"cleaning dropped all {table.quality.rows_read:,} rows"
            )
            msg = f"{what}; the report needs data"
            raise DataError(msg, table=name, path=files)


def _check_rows_left(model: Model, executor: Any) -> None:
    """A data error, naming the relation or filter, when a table has no rows left to report on."""
    from reportgen.errors import DataError
    from reportgen.model import expr as ex

    for name in model.spec.data:
        valid = executor.valid(name)
        if not valid.any():
            for relation, count in executor.orphans.get(name, []):
                if count == len(valid):
                    key = model.key_of(relation.parent)
                    msg = (
                        f"no value of {name}.{relation.column} is a {relation.parent}.{key}: "
                        f"every row refers to a missing {relation.parent} row; check the relation "
                        f"'{name}.{relation.column} -> {relation.parent}' and the two columns"
                    )
                    raise DataError(msg, table=name, column=relation.column)
            msg = "every row refers to a missing row of a related table"
            raise DataError(msg, table=name)
    for filter_name, spec_filter in model.spec.filters.items():
        table = spec_filter.on
        passing = executor.valid(table) & executor.condition(ex.parse(spec_filter.where), table)
        if not passing.any():
            msg = f"the filter '{filter_name}' ({spec_filter.where}) leaves no rows"
            raise DataError(msg, table=table)
    for name in model.spec.data:
        if not executor.mask(name).any():
            names = ", ".join(model.spec.filters)
            msg = f"no rows are left once the filters ({names}) apply to related tables"
            raise DataError(msg, table=name)


MAX_CHART_CATEGORIES = 50


def _results_store(base_dir: Path, options: BuildOptions) -> Any:
    """The results cache, or None under --no-cache or REPORTGEN_NO_RESULTS_CACHE=1."""
    if not options.use_cache or os.environ.get("REPORTGEN_NO_RESULTS_CACHE", "") not in ("", "0"):
        return None
    from reportgen.engine.results_cache import ResultsCache

    return ResultsCache(base_dir / ".reportgen-cache" / "results")


def _needs_cap(spec: Spec, plans: dict[str, Any], results: dict[str, Any], sid: str) -> bool:
    section = next(s for s in spec.sections if s.id == sid)
    if not isinstance(section, AnalysisSection) or section.chart is None:
        return False
    plan = plans[sid]
    if not plan.by or section.chart.type in ("scatter", "histogram"):
        return False
    first = results[sid].shown[plan.by[0].name]
    continuous = pd.api.types.is_datetime64_any_dtype(first) or pd.api.types.is_numeric_dtype(first)
    if section.chart.type in ("line", "area") and continuous:
        return False  # a line over days or numbers is drawn whole (an 'Other' point means nothing)
    return bool(first.nunique() > MAX_CHART_CATEGORIES)


def _capped_key(
    spec: Spec, plans: dict[str, Any], results: dict[str, Any], keys: dict[str, str], sid: str
) -> str | None:
    """The cache key of a section's capped chart table, or None when its chart is not capped."""
    if not _needs_cap(spec, plans, results, sid):
        return None
    from reportgen.engine.results_cache import derived_key

    section = next(s for s in spec.sections if s.id == sid)
    assert isinstance(section, AnalysisSection)
    assert section.chart is not None
    return derived_key(
        keys[sid], "capped", MAX_CHART_CATEGORIES, section.chart.type, section.chart.first_measure
    )


def _chart_results(
    spec: Spec,
    model: Model,
    executor: Any,
    plans: dict[str, Any],
    results: dict[str, Any],
    only: list[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Charts with too many categories: the largest ones plus the other bucket, ranked from the
    section's full table (the bucket is one more pass over the data).

    A chart of 10,000 products is unreadable (and Altair refuses more than 5,000 rows); the
    section's table and CSV export keep every row.
    """
    from dataclasses import replace

    from reportgen.engine.finish import run_section

    charted = {}
    for section in spec.sections:
        if only is not None and section.id not in only:
            continue
        if not _needs_cap(spec, plans, results, section.id):
            continue
        assert isinstance(section, AnalysisSection)
        assert section.chart is not None
        plan = plans[section.id]
        capped = replace(
            plan,
            top=MAX_CHART_CATEGORIES - 1,
            other=True,
            sort=plan.sort or f"-{section.chart.first_measure}",
        )
        charted[section.id] = run_section(
            model, executor, capped, full=results[section.id].full
        ).shown
    return charted


def _group_orders(executor: Any, plan: Any, result: Any) -> dict[str, list[str] | None]:
    """Each group column's category order (None: numbers, or text in no declared order), with
    "Not stated" and then the other bucket after the categories when the result has them."""
    from reportgen.engine.plan import NOT_STATED

    orders: dict[str, list[str] | None] = {}
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


_TEMPLATE_CODE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_OWN_TOTAL = re.compile(r"(?<![\w.'\"])total\b")
_SECTION_TOTAL = re.compile(
    r"""sections\s*(?:\[\s*(['"])(?P<quoted>[^'"]+)\1\s*\]|\.\s*(?P<bare>\w+))"""
    r"""\s*(?:\.\s*total\b|\[\s*['"]total['"]\s*\])"""
)


def sections_with_total(spec: Spec) -> set[str]:
    """The analysis sections whose ``total`` a template quotes: ``total`` in the section's own
    title, chart title or text, or ``sections['id'].total`` in any section's. Each total is
    one more pass over the data, so only these are computed."""
    analysis = {s.id for s in spec.sections if isinstance(s, AnalysisSection)}
    found: set[str] = set()
    for section in spec.sections:
        templates = [section.title, section.text or ""]
        if isinstance(section, AnalysisSection) and section.chart is not None:
            templates.append(section.chart.title or "")
        code = " ".join(m.group(0) for t in templates for m in _TEMPLATE_CODE.finditer(t))
        if section.id in analysis and _OWN_TOTAL.search(code):
            found.add(section.id)
        for match in _SECTION_TOTAL.finditer(code):
            found.add(match.group("quoted") or match.group("bare"))
    return found & analysis


def _fields_in_use(model: Model, plans: Iterable[Any]) -> set[str]:
    """The fields the sections and filters read, directly or through other fields."""
    from reportgen.model import expr as ex

    names: set[str] = set()
    for plan in plans:
        names.update(key.text.split(".")[-1] for key in plan.by)
        nodes = [plan.where, *(atom.where for atom in plan.atoms)]
        names.update(ref.name for node in nodes if node is not None for ref in ex.refs(node))
        names.update(atom.value.name for atom in plan.atoms if atom.value is not None)
    for spec_filter in model.spec.filters.values():
        names.update(ref.name for ref in ex.refs(ex.parse(spec_filter.where)))
    used: set[str] = set()
    todo = [name for name in names if name in model.spec.fields]
    while todo:
        name = todo.pop()
        if name not in used:
            used.add(name)
            todo.extend(r.name for r in model.field_refs.get(name, []) if r.is_field)
    return used


def _quality_numbers(
    model: Model, executor: Any, tables: dict[str, Any], plans: Iterable[Any] | None = None
) -> dict[str, Any]:
    """Rows used per table, rows excluded at each step (they add up: kept − steps = used), and
    the rows of each declared category of the map and cases fields the report uses (where
    cheap to count: a field no section reads is not computed for this)."""
    from reportgen.engine.rows import exclusion_steps

    used = {name: int(executor.mask(name).sum()) for name in tables}
    steps = {
        name: [
            (kind, what, count)
            for (kind, what), count in zip(
                exclusion_steps(model, name), executor.excluded_by_step(name), strict=True
            )
        ]
        for name in tables
    }
    declared = {}
    in_use = None if plans is None else _fields_in_use(model, plans)
    for name in model.spec.fields:
        if in_use is not None and name not in in_use:
            continue
        counts = executor.declared_counts(name)
        if counts is not None:
            declared[name] = counts
    return {"used": used, "steps": steps, "declared": declared}


def _quality_to_json(tables: dict[str, Any], numbers: dict[str, Any]) -> dict[str, Any]:
    """The quality records and numbers as plain JSON data: what the results cache stores."""
    from dataclasses import asdict

    return {
        "tables": {name: asdict(table.quality) for name, table in tables.items()},
        "used": numbers["used"],
        "steps": {
            name: [
                [kind, what if isinstance(what, str) else asdict(what), int(count)]
                for kind, what, count in steps
            ]
            for name, steps in numbers["steps"].items()
        },
        "declared": numbers["declared"],
    }


def _quality_from_json(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Quality records by table, and the numbers ``_section_views`` expects: ``used``, ``steps``
    (``(kind, relation or filter name, rows)`` per table), ``filters`` (``(name, table, rows)``)
    and ``declared`` (rows per declared category of map and cases fields)."""
    from reportgen.data.quality import ColumnProfile, Exclusion, TableQuality
    from reportgen.model.semantic import Relation

    qualities = {
        name: TableQuality(
            files=tuple(q["files"]),
            rows_read=int(q["rows_read"]),
            rows_kept=int(q["rows_kept"]),
            exclusions=tuple(Exclusion(**e) for e in q["exclusions"]),
            column_profile=tuple(ColumnProfile(**c) for c in q["column_profile"]),
        )
        for name, q in data["tables"].items()
    }
    steps = {
        name: [
            (kind, what if kind == "filter" else Relation(**what), int(count))
            for kind, what, count in found
        ]
        for name, found in data["steps"].items()
    }
    numbers = {
        "used": dict(data["used"]),
        "steps": steps,
        "filters": [
            (what, name, count)
            for name, found in steps.items()
            for kind, what, count in found
            if kind == "filter"
        ],
        "declared": dict(data["declared"]),
    }
    return qualities, numbers


def _unused_categories(spec: Spec, quality: dict[str, Any]) -> list[Any]:
    """The declared categories (map values and labels, cases outcomes) no used row falls in."""
    from reportgen.data.quality import unused_categories

    found = []
    for name, counts in quality["declared"].items():
        if name in spec.fields:
            found.extend(unused_categories(name, spec.fields[name], counts))
    return found


def _warn_unused(loaded: Any, unused: list[Any], quiet: bool, stream: TextIO | None = None) -> None:
    """One warning line per unused category on stderr (unless --quiet), located in the spec."""
    if quiet or not unused:
        return
    from reportgen.errors import SpecIssue
    from reportgen.spec.load import locate_issues

    spec: Spec = loaded.spec
    issues = []
    for item in unused:
        table = spec.fields[item.field].on
        where = f"field '{item.field}'"
        message = {
            "value": f"the value '{item.value}' listed under '{item.label}' matches no row of {table}",
            "group": f"no row of {table} has a value listed under '{item.label}' ({item.value})",
            "default": f"no row of {table} falls under the default '{item.label}'",
            "outcome": f"no row of {table} is '{item.label}'",
        }[item.kind]
        issues.append(
            SpecIssue(item.loc, f"warning: {where}: {message}; see the data-quality appendix")
        )
    out = stream or sys.stderr
    for issue in locate_issues(loaded.positions, issues):
        out.write(issue.render(str(loaded.path)) + "\n")
    out.flush()


class _ChartCache:
    """Chart SVG and alt text by (section key, chart spec, rendered title, labels, settings)."""

    def __init__(self, store: Any, keys: dict[str, str], stats: BuildStats) -> None:
        self.store, self.keys, self.stats = store, keys, stats
        self.waiting: list[tuple[str, _PendingChart]] = []

    def chart(
        self,
        spec: Spec,
        section: AnalysisSection,
        result: pd.DataFrame,
        meta: dict[str, Any],
        title: str,
        capped: bool,
    ) -> Any:
        from reportgen.engine.results_cache import derived_key
        from reportgen.render.context import ChartBlock

        assert section.chart is not None
        key = ""
        if self.store is not None and section.id in self.keys:
            key = derived_key(
                self.keys[section.id],
                "chart",
                section.id,
                section.chart.model_dump(mode="json"),
                title,
                capped,
                {name: [m.label, m.format, m.order, m.other] for name, m in meta.items()},
                spec.settings.model_dump(mode="json"),
            )
            entry = self.store.get("chart", key)
            if entry is not None:
                return ChartBlock(svg=entry["svg"], alt=entry["alt"], title=title)
        pending = _chart(spec, section, result, meta, title)
        self.stats.charts_rendered += 1
        if key:
            self.waiting.append((key, pending))
        return pending

    def finish(self) -> None:
        """Keep the charts converted in this build (they are all done once their views are)."""
        for key, pending in self.waiting:
            block = pending.block
            self.store.put("chart", key, {"svg": block.svg, "alt": block.alt})
        self.waiting.clear()


def _section_views(
    spec: Spec,
    model: Model,
    selected: set[str],
    results: dict[str, Any],
    orders: dict[str, dict[str, list[str] | None]],
    quality: dict[str, Any],
    qualities: dict[str, Any],
    loaded: Any,
    charted: dict[str, pd.DataFrame] | None = None,
    charts: _ChartCache | None = None,
) -> tuple[list[Any], dict[str, Any]]:
    from reportgen.engine.finish import other_label
    from reportgen.render.methods import definitions_tables, quality_tables, section_filters
    from reportgen.render.views import (
        column_meta,
        render_section_text,
        result_contexts,
        section_view,
        table_block,
    )
    from reportgen.spec.load import raise_located

    metas = {
        s.id: column_meta(model, s, orders[s.id], results[s.id].other_label)
        for s in spec.sections
        if isinstance(s, AnalysisSection) and s.id in results
    }
    # Narrative reads every group (``full``, no Other bucket) and the re-aggregated totals.
    contexts = result_contexts(
        model,
        {sid: result.full for sid, result in results.items()},
        metas,
        totals={sid: result.total for sid, result in results.items()},
    )
    extra = {"data": _data_context(qualities, quality)}
    issues: list[SpecIssue] = []
    views = []
    charted_views: list[tuple[int, Any]] = []
    for index, section in enumerate(spec.sections):
        if selected and section.id not in selected:
            continue
        title, chart_title, body = render_section_text(
            spec, index, section, contexts, extra, issues
        )
        if isinstance(section, AnalysisSection):
            result = results[section.id].shown
            meta = metas[section.id]
            shown = (charted or {}).get(section.id, result)
            chart = None
            if section.chart is not None:
                chart_meta = meta
                if shown is not result:  # capped for the chart: its own other bucket
                    first = section.query.by[0].split(".")[-1]
                    bucket = other_label(results[section.id].full[first])
                    chart_meta = {**meta, first: dataclasses.replace(meta[first], other=bucket)}
                chart = (
                    charts.chart(spec, section, shown, chart_meta, chart_title, shown is not result)
                    if charts is not None
                    else _chart(spec, section, shown, chart_meta, chart_title)
                )
            block = table_block(spec, section, result, meta, results[section.id].full)
            views.append(
                section_view(
                    section,
                    title,
                    body,
                    None,
                    [block] if block else [],
                    section_filters(model, section),
                )
            )
            if chart is not None:
                charted_views.append((len(views) - 1, chart))
        elif isinstance(section, DefinitionsSection):
            views.append(section_view(section, title, body, None, definitions_tables(model)))
        elif isinstance(section, DataQualitySection):
            blocks = quality_tables(model, qualities, quality, _unused_categories(spec, quality))
            views.append(section_view(section, title, body, None, blocks))
        else:
            views.append(section_view(section, title, body))
    if issues:
        raise_located(loaded, issues)
    for index, chart in charted_views:  # the converter has been working meanwhile
        block = chart.block if isinstance(chart, _PendingChart) else chart
        views[index] = dataclasses.replace(views[index], chart=block)
    if charts is not None:
        charts.finish()
    return views, metas


def _data_context(qualities: dict[str, Any], quality: dict[str, Any]) -> dict[str, Any]:
    """What narrative can quote about the data: data.orders.rows_read, .rows_used, .excluded."""
    context: dict[str, Any] = {}
    for name, q in qualities.items():
        context[name] = {
            "rows_read": f"{q.rows_read:,}",
            "rows_kept": f"{q.rows_kept:,}",
            "rows_used": f"{quality['used'].get(name, 0):,}",
            "excluded": f"{q.rows_read - quality['used'].get(name, 0):,}",
        }
    for name, table_name, count in quality["filters"]:
        context.setdefault("filters", {})[name] = {"table": table_name, "rows": f"{count:,}"}
    return context


def _stable_ids(svg: str, prefix: str) -> str:
    """Renumber the converter's process-wide ids (clip1, clip2 …) per chart: same bytes every build."""
    numbering: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        old = match.group(0)
        if old not in numbering:
            numbering[old] = f"{prefix}-{match.group(1)}{len(numbering) + 1}"
        return numbering[old]

    return re.sub(r"\b(clip|gradient_)(\d+)\b", rename, svg)


@dataclass(frozen=True)
class _PendingChart:
    """A chart whose SVG the background converter is still producing."""

    svg: Future[str]
    alt: str
    title: str
    section_id: str

    @functools.cached_property
    def block(self) -> Any:
        """The chart block, once the converter has delivered its SVG."""
        from reportgen.render.context import ChartBlock

        svg = _stable_ids(self.svg.result(), self.section_id)
        return ChartBlock(svg=svg, alt=self.alt, title=self.title)


def _chart(
    spec: Spec, section: AnalysisSection, result: pd.DataFrame, meta: dict[str, Any], title: str
) -> _PendingChart:
    from reportgen.charts.alt_text import describe
    from reportgen.charts.build import ColumnInfo, build_chart
    from reportgen.charts.convert import to_svg_later

    assert section.chart is not None
    columns = {name: ColumnInfo(m.label, m.format, m.order, m.other) for name, m in meta.items()}
    chart = build_chart(
        section.chart,
        result,
        columns=columns,
        title=title,
        currency=spec.settings.currency,
        row_order=section.query.sort is not None,
    )
    return _PendingChart(
        svg=to_svg_later(chart),
        alt=describe(section.chart, result, columns, currency=spec.settings.currency),
        title=title,
        section_id=section.id,
    )
