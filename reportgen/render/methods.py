"""The spec and the load's counts → the methods and data-quality tables (generated, never typed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reportgen.model.semantic import Model
from reportgen.render.context import TableBlock, TableColumn
from reportgen.render.format import day_names, format_value
from reportgen.spec.models import (
    AggregateField,
    BinsField,
    CasesField,
    ExprField,
    MapField,
    WeekdayField,
)


def _num(value: float) -> str:
    return format_value(value, "number")


def describe_field(model: Model, name: str) -> str:
    """One sentence that defines a derived field exactly as the engine computes it."""
    spec_field = model.spec.fields[name]
    text = ""
    if isinstance(spec_field, BinsField):
        parts = []
        edges = list(spec_field.edges)
        low, high = ("≤", "<") if spec_field.closed == "right" else ("<", "≤")
        for index, label in enumerate(spec_field.labels):
            if index == 0:
                parts.append(f"{label}: {spec_field.column} {low} {_num(edges[0])}")
            elif index == len(edges):
                parts.append(
                    f"{label}: {spec_field.column} {'>' if low == '≤' else '≥'} {_num(edges[-1])}"
                )
            else:
                parts.append(
                    f"{label}: {_num(edges[index - 1])} {high} {spec_field.column} {low} {_num(edges[index])}"
                )
        text = "; ".join(parts)
    elif isinstance(spec_field, MapField):
        groups: dict[str, list[str]] = {}
        for key, label in spec_field.mapping().items():
            groups.setdefault(label, []).append(key)
        listed = "; ".join(f"{label}: {', '.join(keys)}" for label, keys in groups.items())
        text = f"{spec_field.column} mapped — {listed}"
        if spec_field.default:
            text += f"; anything else: {spec_field.default}"
    elif isinstance(spec_field, CasesField):
        rules = [f"{case.then} if {case.when}" for case in spec_field.cases]
        if spec_field.else_:
            rules.append(f"otherwise {spec_field.else_}")
        text = "; ".join(rules) + " (first rule that holds)"
    elif isinstance(spec_field, AggregateField):
        source = spec_field.over or (spec_field.of or "").split(".", 1)[0]
        what = (
            f"{spec_field.func} of {spec_field.of}"
            if spec_field.of
            else f"{spec_field.func} of rows of {source}"
        )
        if spec_field.func == "any":
            what = f"true when any row of {source}"
        text = f"{what} per {spec_field.on} row"
        if spec_field.where:
            text += f", where {spec_field.where}"
    elif isinstance(spec_field, ExprField):
        text = spec_field.expr
    elif isinstance(spec_field, WeekdayField):
        names = day_names(model.spec.settings.day_zero)
        text = f"{spec_field.column} 0–6 read as " + ", ".join(
            f"{i} = {n}" for i, n in enumerate(names)
        )
    if spec_field.description:
        return f"{spec_field.description} ({text})" if text else spec_field.description
    return text


def definitions_tables(model: Model) -> list[TableBlock]:
    """Fields, filters and metrics, each with its exact definition."""
    head = [
        TableColumn("name", "Name"),
        TableColumn("table", "Per"),
        TableColumn("definition", "Definition"),
    ]
    fields = [
        [model.label(name), f.on, describe_field(model, name)]
        for name, f in model.spec.fields.items()
    ]
    filters = [
        [
            name.replace("_", " ").capitalize(),
            f.on,
            f"Kept: {f.where}" + (f". {f.note}" if f.note else ""),
        ]
        for name, f in model.spec.filters.items()
    ]
    metrics = [
        [
            m.label,
            "",
            (m.description + " — " if m.description else "") + model.spec.metrics[name].expr,
        ]
        for name, m in model.metrics.items()
    ]
    blocks = [TableBlock(head, fields, caption="Derived fields")]
    if filters:
        blocks.append(TableBlock(head, filters, caption="Filters applied to every section"))
    metric_head = [
        TableColumn("name", "Metric"),
        TableColumn("table", ""),
        TableColumn("definition", "Definition"),
    ]
    blocks.append(TableBlock(metric_head, metrics, caption="Metrics"))
    return blocks


def quality_tables(
    qualities: Mapping[str, Any],
    used_rows: Mapping[str, int],
    orphans: Mapping[str, Sequence[tuple[Any, int]]],
    filter_counts: Sequence[tuple[str, str, int]],
) -> list[TableBlock]:
    """Rows read, excluded (and why) and used per table, then missing values per column."""
    head = [
        TableColumn("table", "Table"),
        TableColumn("what", "Step"),
        TableColumn("rows", "Rows", "right"),
    ]
    rows: list[list[str]] = []
    missing_rows: list[list[str]] = []
    for table, quality in qualities.items():
        rows.append([table, f"read from {', '.join(quality.files)}", _int(quality.rows_read)])
        for exclusion in quality.exclusions:
            rows.append([table, exclusion.reason, _int(exclusion.rows)])
        for relation, count in orphans.get(table, []):
            if count:
                rows.append(
                    [
                        table,
                        f"{relation.column} not found in {relation.parent} (orphan rows excluded)",
                        _int(count),
                    ]
                )
        for name, on, count in filter_counts:
            if on == table and count:
                rows.append([table, f"excluded by filter '{name}'", _int(count)])
        if table in used_rows:
            rows.append([table, "rows used in the analysis", _int(used_rows[table])])
        for column, count in quality.missing.items():
            if count:
                missing_rows.append([table, column, _int(count)])
    blocks = [TableBlock(head, rows, caption="Rows read, excluded and used")]
    missing_head = [
        TableColumn("table", "Table"),
        TableColumn("column", "Column"),
        TableColumn("missing", "Missing values", "right"),
    ]
    blocks.append(
        TableBlock(
            missing_head,
            missing_rows or [["–", "no missing values", "0"]],
            caption="Missing values after cleaning",
        )
    )
    return blocks


def _int(value: int) -> str:
    return format_value(value, "integer")
