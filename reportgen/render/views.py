"""Section results + spec text → ``SectionView``s: narrative, formatted tables, charts as SVG."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from reportgen.charts.capping import chart_measure
from reportgen.errors import SpecIssue
from reportgen.model.semantic import Model
from reportgen.render.cells import Formats
from reportgen.render.claims import compare_function
from reportgen.render.context import ChartBlock, SectionView, TableBlock, TableColumn
from reportgen.render.narrative import make_environment, render_text, to_blocks
from reportgen.render.result_view import ResultView
from reportgen.render.sandbox import NarrativeError
from reportgen.render.words import lower_first
from reportgen.spec.models import AnalysisSection, SectionSpec, Spec, Thresholds
from reportgen.style.format import format_value

ChartMaker = Callable[[AnalysisSection, pd.DataFrame, str], ChartBlock]


@dataclass(frozen=True)
class ColumnMeta:
    """How a result column is labelled, formatted and ordered."""

    label: str
    format: str
    order: tuple[str, ...] | None = None
    other: str | None = None  # the label of the other bucket in this column, if the result has one


def column_meta(
    model: Model,
    section: AnalysisSection,
    orders: Mapping[str, list[str] | None],
    other_label: str | None = None,
) -> dict[str, ColumnMeta]:
    """Label, format and category order of every column of a section's result; the first
    group column carries the label of the result's other bucket, if it has one."""
    meta: dict[str, ColumnMeta] = {}
    for index, text in enumerate(section.query.by):
        name = text.split(".")[-1]
        fmt = model.field_format(name)
        order = orders.get(name)
        meta[name] = ColumnMeta(
            model.column_label(name),  # a group column, whatever metric shares its name
            "text" if fmt == "auto" and order else fmt,
            tuple(order) if order else None,
            other_label if index == 0 else None,
        )
    for metric in section.query.metrics:
        meta[metric] = ColumnMeta(model.metrics[metric].label, model.metrics[metric].format)
    return meta


def formats_of(spec: Spec, meta: Mapping[str, ColumnMeta]) -> Formats:
    return Formats(
        columns={k: v.format for k, v in meta.items()},
        currency=spec.settings.currency,
        day_zero=spec.settings.day_zero,
    )


def table_block(
    spec: Spec,
    section: AnalysisSection,
    result: pd.DataFrame,
    meta: Mapping[str, ColumnMeta],
    full: pd.DataFrame | None = None,
) -> TableBlock | None:
    """The section's compact table: formatted cells, numbers right-aligned.

    ``result`` is what the table shows (top-N and the Other bucket); ``full`` every group, for
    the note on the groups below the minimum support."""
    if not section.table.show:
        return None
    names = list(section.table.columns or result.columns)
    limit = section.table.max_rows or spec.settings.max_table_rows
    notes = []
    if len(section.query.by) > 1:  # declared levels × other keys: leave out the empty combinations
        metrics = [m for m in section.query.metrics if m in result.columns]
        values = result[metrics].apply(pd.to_numeric, errors="coerce").fillna(0)
        empty = (values == 0).all(axis=1)
        if empty.any():
            result = result[~empty]
            notes.append(
                f"{int(empty.sum()):,} combinations with no rows are left out (the data export "
                "has them)."
            )
    shown = result.head(limit)
    columns = [
        TableColumn(
            name,
            meta[name].label,
            "right" if pd.api.types.is_numeric_dtype(result[name]) else "left",
        )
        for name in names
    ]
    rows = [
        [
            format_value(
                value,
                meta[name].format,
                currency=spec.settings.currency,
                day_zero=spec.settings.day_zero,
            )
            for name, value in zip(names, record, strict=True)
        ]
        for record in shown[names].itertuples(index=False, name=None)
    ]
    if len(result) > limit:
        notes.append(
            f"Showing {limit} of {len(result):,} rows; the full table is in the data export."
        )
    support = support_note(spec, section, result if full is None else full, result, meta)
    if support:
        notes.append(support)
    return TableBlock(columns, rows, " ".join(notes))


def support_note(
    spec: Spec,
    section: AnalysisSection,
    full: pd.DataFrame,
    shown: pd.DataFrame,
    meta: Mapping[str, ColumnMeta],
) -> str:
    """What the minimum support left out of the ranking, or ''."""
    support = section.query.min_support
    if support is None or support.metric not in full.columns or not len(full.columns):
        return ""
    values = pd.to_numeric(full[support.metric], errors="coerce").fillna(0)
    small_groups = set(full.loc[values < support.at_least, full.columns[0]].map(str))
    small = len(small_groups)
    if not small:
        return ""
    folded = small_groups - set(shown[shown.columns[0]].map(str))  # dates beside "Other" too
    label = meta[support.metric].label
    minimum = format_value(
        support.at_least,
        meta[support.metric].format,
        currency=spec.settings.currency,
        day_zero=spec.settings.day_zero,
    )
    groups = "group has" if small == 1 else "groups have"
    where = "counted in the last row" if folded else "shown"
    return (
        f"{small:,} {groups} fewer than {minimum} ({label.lower()}), too few to rank: {where}, "
        "but not named as highest or lowest."
    )


def cap_note(
    section: AnalysisSection,
    column: str,
    result: pd.DataFrame,
    charted: pd.DataFrame,
    meta: Mapping[str, ColumnMeta],
) -> str:
    """What a chart capped on ``column`` (``charts.capping``) leaves out of the section's every
    group (``result``): how many of the column's values it names, which ones, and where the
    others are (its other bucket; a section with ``having`` has none)."""
    other = meta[column].other
    bucket = charted[column].astype(str) == other
    named = charted[column][~bucket].nunique()
    total = result[column].nunique()
    assert section.chart is not None
    sort = section.query.sort or f"-{chart_measure(section.chart)}"
    key = sort.lstrip("-+")
    label = lower_first(meta[key].label if key in meta else key)
    if key in section.query.metrics:
        which = f"the {'largest' if sort.startswith('-') else 'smallest'} by {label}"
    else:
        which = f"the {'last' if sort.startswith('-') else 'first'} by {label}"
    rest = (
        f"the other {total - named:,} are combined as “{other}”"
        if bucket.any()
        else f"the data export has all {total:,}"
    )
    return f"The chart names {named:,} of the {total:,} values of {meta[column].label}, {which}; {rest}."


def thresholds_for(spec: Spec, section: SectionSpec) -> Thresholds:
    """The report's wording thresholds with the section's own overrides."""
    if section.wording is None:
        return spec.settings.wording
    return spec.settings.wording.model_copy(update=section.wording.model_dump(exclude_unset=True))


def result_contexts(
    model: Model,
    results: Mapping[str, pd.DataFrame],
    metas: Mapping[str, Mapping[str, ColumnMeta]],
    totals: Mapping[str, pd.DataFrame | None] | None = None,
    other_labels: Mapping[str, str | None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Each analysis section's narrative context (also reachable as sections['id']).

    ``results`` are the full results (every group); ``totals`` the one-row re-aggregated totals
    of the sections whose text asks for them; ``other_labels`` the label of each result's
    Other bucket, if it has one.
    """
    spec = model.spec
    sections = {s.id: s for s in spec.sections if isinstance(s, AnalysisSection)}
    contexts = {}
    for sid, frame in results.items():
        section = sections[sid]
        total = (totals or {}).get(sid)
        contexts[sid] = ResultView(
            frame,
            formats_of(spec, metas[sid]),
            thresholds_for(spec, section),
            total=total.iloc[0].to_dict() if total is not None and len(total) else None,
            no_total=_no_totals(model, section),
            other_label=(other_labels or {}).get(sid),
            support=section.query.min_support,
            adds_up=_adding_up(model, section),
        ).context()
    return contexts


def _adding_up(model: Model, section: AnalysisSection) -> frozenset[str]:
    return frozenset(m for m in section.query.metrics if m in model.metrics and model.adds_up(m))


def _no_totals(model: Model, section: AnalysisSection) -> dict[str, str]:
    reasons = {m: model.no_total_reason(m) for m in section.query.metrics}
    return {m: reason for m, reason in reasons.items() if reason is not None}


def render_section_text(
    spec: Spec,
    index: int,
    section: SectionSpec,
    contexts: Mapping[str, dict[str, Any]],
    extra: Mapping[str, Any],
    issues: list[SpecIssue],
) -> tuple[str, str, Any]:
    """(title, chart title, body) of a section, rendered in the sandbox; problems go to ``issues``."""
    formats = Formats(columns={}, currency=spec.settings.currency, day_zero=spec.settings.day_zero)
    env = make_environment(formats, autoescape=False)
    sections = {sid: _Namespace(ctx) for sid, ctx in contexts.items()}
    compare = compare_function(thresholds_for(spec, section), formats)
    context = {**contexts.get(section.id, {}), "sections": sections, "compare": compare, **extra}

    def attempt(key: tuple[str | int, ...], source: str) -> str:
        try:
            return render_text(env, source, context)
        except NarrativeError as error:
            issues.append(SpecIssue(("sections", index, *key), str(error)))
            return ""

    title = attempt(("title",), section.title)
    chart_title = ""
    if isinstance(section, AnalysisSection) and section.chart is not None and section.chart.title:
        chart_title = attempt(("chart", "title"), section.chart.title)
    body = to_blocks(attempt(("text",), section.text)) if section.text else to_blocks("")
    return title, chart_title, body


class _Namespace(Mapping[str, Any]):
    """sections['id'].top … : attribute and key access over a context dict."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(key) from None

    def __iter__(self) -> Any:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def section_view(
    section: SectionSpec,
    title: str,
    body: Any,
    chart: ChartBlock | None = None,
    tables: list[TableBlock] | None = None,
    filters: str = "",
) -> SectionView:
    question = section.question if isinstance(section, AnalysisSection) else ""
    return SectionView(
        id=section.id,
        title=title,
        level=section.level,
        kind=section.type,
        question=question,
        body=body,
        chart=chart,
        tables=[t for t in (tables or []) if t is not None],
        filters=filters,
    )


# ---- checking narrative at validate time (no data) -------------------------------------------
SPECIMEN_ROWS = 50  # rows of a specimen result whose group values only the data knows


class _AnyKey(dict[str, Any]):
    """``by[...]`` of a specimen whose group values come from the data: any key is a row."""

    def __init__(self, rows: Mapping[str, Any], fallback: Any) -> None:
        super().__init__(rows)
        self._fallback = fallback

    def __getitem__(self, key: str) -> Any:
        return super().__getitem__(key) if key in self else self._fallback


class _AnyIndex(Sequence[Any]):
    """``rows[...]`` of a specimen whose row count comes from the data: any index is a row."""

    def __init__(self, rows: Sequence[Any]) -> None:
        self._rows = rows

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, int):
            return self._rows[index % len(self._rows)]
        return self._rows[index]

    def __len__(self) -> int:
        return len(self._rows)


def specimen_contexts(model: Model, sections: list[AnalysisSection]) -> dict[str, dict[str, Any]]:
    """Narrative contexts with the columns each section's result will have and made-up numbers.

    Rendering the texts against them finds every unknown name without reading a data row.
    Group values the spec knows (labels) are the only keys of ``by``; other group values come
    from the data, so any key and any row number is accepted for them.
    """
    contexts: dict[str, dict[str, Any]] = {}
    for section in sections:
        query = section.query
        names = [text.split(".")[-1] for text in query.by]
        levels = {name: model.known_levels(name) for name in names}
        first = levels[names[0]] if names else None
        if first is not None and query.top and query.other:
            levels[names[0]] = [*first, "Other"]
        known = [level for level in (levels[name] for name in names) if level is not None]
        if len(known) == len(names):
            rows = [list(combo) for combo in itertools.product(*known)]
        else:  # the data decides how many rows: plenty, the known labels among them
            rows = [
                [_nth(levels[name], i) or f"{name} {i + 1}" for name in names]
                for i in range(SPECIMEN_ROWS)
            ]
        columns: dict[str, list[Any]] = {
            name: [row[k] for row in rows] for k, name in enumerate(names)
        }
        for metric in query.metrics:
            columns[metric] = [float(i + 1) for i in range(len(rows))]
        frame = pd.DataFrame(columns)
        meta = column_meta(model, section, levels)
        context = ResultView(
            frame,
            formats_of(model.spec, meta),
            thresholds_for(model.spec, section),
            total={metric: 1.0 for metric in query.metrics},
            no_total=_no_totals(model, section),
            other_label="Other" if query.top and query.other else None,
            adds_up=_adding_up(model, section),
        ).context()  # no minimum support: made-up numbers would leave no group ranked
        if len(known) < len(names):
            context["rows"] = _AnyIndex(context["rows"])
        if names and levels[names[0]] is None:
            context["by"] = _AnyKey(context["by"], context["rows"][0])
        contexts[section.id] = context
    return contexts


def _nth(values: list[str] | None, index: int) -> str | None:
    return values[index % len(values)] if values else None


def specimen_data_context(model: Model) -> dict[str, Any]:
    """``data.<table>.rows_read`` … and ``data.filters.<name>`` with made-up counts."""
    counts = {"rows_read": "1", "rows_kept": "1", "rows_used": "1", "excluded": "0"}
    context: dict[str, Any] = {name: dict(counts) for name in model.spec.data}
    context["filters"] = {
        name: {"table": spec_filter.on, "rows": "0"}
        for name, spec_filter in model.spec.filters.items()
    }
    return {"data": context}
