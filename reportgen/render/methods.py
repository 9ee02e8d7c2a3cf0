"""The spec → the definitions tables of Data and methods (generated, never typed).

Everything is phrased for a reader who has never seen the spec: the spec's own label or
description first, then the rule in plain words, built from the tables', columns', fields' and
metrics' labels (``order lines`` for a table counted by a metric named ``order_lines``).
The words are ``words.Words``; the data-quality tables are ``quality_tables``, the narrative's
thresholds ``wording_tables``.
"""

from __future__ import annotations

from typing import Any

from reportgen.model import expr as ex
from reportgen.model.semantic import Model, all_atoms
from reportgen.render.context import TableBlock, TableColumn
from reportgen.render.wording_tables import wording_tables
from reportgen.render.words import (
    AGGREGATE_WORDS,
    Words,
    as_sentence,
    filter_title,
    plain_number,
    upper_first,
    with_article,
)
from reportgen.spec.models import (
    AggregateField,
    AnalysisSection,
    BinsField,
    CasesField,
    ExprField,
    MapField,
    WeekdayField,
)
from reportgen.style.format import day_names


def section_filters(model: Model, section: AnalysisSection) -> str:
    """A section's own filters in words, stated under its title: the row filter (before
    aggregation) and the result filter (after it)."""
    words = Words(model)
    parts = []
    query = section.query
    if query.where:
        tables = [a.over for m in query.metrics if m in model.metrics for a in all_atoms(model, m)]
        noun = words.plural(tables[0]) if tables else "rows"
        parts.append(f"Only {noun} where {words.condition(ex.parse(query.where))}.")
    if query.having:
        having = ex.parse(query.having)
        results = Words(model, of_results=True)
        if (
            isinstance(having, ex.Compare)
            and having.op == ">"
            and isinstance(having.left, ex.Ref)
            and having.right == ex.Const(0)
        ):  # customers > 0: "Only groups with customers are shown."
            parts.append(f"Only groups with {results.value(having.left)} are shown.")
        else:
            parts.append(f"Groups shown only where {results.condition(having)}.")
    return " ".join(parts)


# ---- definitions --------------------------------------------------------------------------


def describe_field(model: Model, name: str, words: Words | None = None) -> str:
    """The field's description, then its rule in plain words (generated from the spec)."""
    words = words or Words(model)
    spec_field = model.spec.fields[name]
    rule = _field_rule(model, words, spec_field)
    parts = [as_sentence(spec_field.description)] if spec_field.description else []
    if rule:
        parts.append(as_sentence(upper_first(rule)))
    return " ".join(parts)


def _field_rule(model: Model, words: Words, spec_field: Any) -> str:
    if isinstance(spec_field, BinsField):
        column = words.value(ex.parse(spec_field.column))
        edges = [plain_number(e) for e in spec_field.edges]
        right = spec_field.closed == "right"
        parts = []
        for index, label in enumerate(spec_field.labels):
            if index == 0:
                span = f"up to {edges[0]}" if right else f"under {edges[0]}"
            elif index == len(edges):
                span = f"more than {edges[-1]}" if right else f"{edges[-1]} or more"
            elif right:
                span = f"more than {edges[index - 1]} and up to {edges[index]}"
            else:
                span = f"from {edges[index - 1]} to under {edges[index]}"
            parts.append(f"{label} when {column} is {span}")
        return "; ".join(parts)
    if isinstance(spec_field, MapField):
        column = words.value(ex.parse(spec_field.column))
        groups: dict[str, list[str]] = {}
        for key, label in spec_field.mapping().items():
            groups.setdefault(label, []).append(key)
        listed = "; ".join(f"{label}: {', '.join(keys)}" for label, keys in groups.items())
        text = f"by {column} — {listed}"
        if spec_field.default:
            text += f"; any other {column}: {spec_field.default}"
        return text
    if isinstance(spec_field, CasesField):
        rules = [
            f"{case.then} when {words.condition(ex.parse(case.when))}" for case in spec_field.cases
        ]
        if spec_field.else_:
            rules.append(f"otherwise {spec_field.else_}")
        if len(spec_field.cases) == 1:
            return "; ".join(rules)
        return "the first rule that applies decides: " + "; ".join(rules)
    if isinstance(spec_field, AggregateField):
        source = spec_field.over or (spec_field.of or "").split(".", 1)[0]
        owner = f"the {words.singular(spec_field.on)}'s {words.plural(source)}"
        of = words.row_label(spec_field.of.split(".")[-1]) if spec_field.of else ""
        where = f" where {words.condition(ex.parse(spec_field.where))}" if spec_field.where else ""
        if spec_field.func == "any":
            return (
                f"yes when the {words.singular(spec_field.on)} has at least one "
                f"{words.singular(source)}{where}"
            )
        if spec_field.func == "count":
            return f"the number of {owner}{where}"
        if spec_field.func == "count_distinct":
            return f"the number of different {of} values among {owner}{where}"
        return f"{AGGREGATE_WORDS[spec_field.func]} {of} of {owner}{where}"
    if isinstance(spec_field, ExprField):
        return words.value(ex.parse(spec_field.expr))
    if isinstance(spec_field, WeekdayField):
        names = day_names(model.spec.settings.day_zero)
        column = words.value(ex.parse(spec_field.column))
        listed = ", ".join(f"{i} = {n}" for i, n in enumerate(names))
        return (
            f"{column} 0–6 read as day names: {listed}. The data does not say "
            f"which day 0 is; this report reads it as {names[0]}"
        )
    return ""


def describe_filter(model: Model, name: str, words: Words | None = None) -> str:
    """The filter's note, then which rows it keeps."""
    words = words or Words(model)
    spec_filter = model.spec.filters[name]
    kept = (
        f"Kept: {words.plural(spec_filter.on)} where {words.condition(ex.parse(spec_filter.where))}"
    )
    parts = [as_sentence(spec_filter.note)] if spec_filter.note else []
    return " ".join([*parts, as_sentence(kept)])


def describe_metric(model: Model, name: str, words: Words | None = None) -> str:
    """The metric's description, then its formula in plain words."""
    words = words or Words(model)
    metric = model.metrics[name]
    rule = as_sentence(upper_first(words.formula(metric.formula)))
    if metric.description:
        return f"{as_sentence(metric.description)} {rule}"
    return rule


def describe_table(model: Model, table: str, words: Words | None = None) -> str:
    """The table's description (or what a row is), then which rows it belongs to."""
    words = words or Words(model)
    description = model.spec.data[table].description
    parts = [as_sentence(description or f"One row per {words.singular(table)}")]
    parents = [with_article(words.singular(r.parent)) for r in model.parents(table)]
    if parents:
        listed = ", ".join(parents[:-1]) + " and " + parents[-1] if len(parents) > 1 else parents[0]
        parts.append(f"Each {words.singular(table)} belongs to {listed}.")
    return " ".join(parts)


def definitions_tables(model: Model) -> list[TableBlock]:
    """Tables, fields, filters and metrics, each defined in words; then the narrative's
    thresholds."""
    words = Words(model)
    table_head = [TableColumn("table", "Table"), TableColumn("definition", "Contents")]
    data = [
        [upper_first(words.plural(name)), describe_table(model, name, words)]
        for name in model.spec.data
    ]
    head = [
        TableColumn("name", "Name"),
        TableColumn("table", "For each"),
        TableColumn("definition", "Definition"),
    ]
    fields = [
        [model.column_label(name), words.singular(f.on), describe_field(model, name, words)]
        for name, f in model.spec.fields.items()
    ]
    filters = [
        [filter_title(name), words.singular(f.on), describe_filter(model, name, words)]
        for name, f in model.spec.filters.items()
    ]
    metrics = [[m.label, describe_metric(model, name, words)] for name, m in model.metrics.items()]
    blocks = [TableBlock(table_head, data, caption="Data")]
    if fields:
        blocks.append(TableBlock(head, fields, caption="Derived fields"))
    if filters:
        blocks.append(TableBlock(head, filters, caption="Filters applied to every section"))
    metric_head = [TableColumn("name", "Metric"), TableColumn("definition", "Definition")]
    blocks.append(TableBlock(metric_head, metrics, caption="Metrics"))
    return blocks + wording_tables(model)
