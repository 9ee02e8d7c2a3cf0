"""Spec + data headers → the semantic model: relations, tables' keys and cleaning, fields,
filters, then metrics (``metric_atoms``) and each section's query (``query_checks``).

Problems are collected as located ``SpecIssue``s, all at once.
"""

from __future__ import annotations

import re

from reportgen.errors import SpecIssue, did_you_mean
from reportgen.model.metric_atoms import build_metrics
from reportgen.model.query_checks import check_sections
from reportgen.model.semantic import Loc, Model, Relation, Resolved, resolve_text
from reportgen.spec.models import (
    AggregateField,
    BinsField,
    CasesField,
    ExprField,
    FieldSpec,
    MapField,
    Spec,
    WeekdayField,
)

RELATION = re.compile(r"^\s*(\w+)\.(\w+)\s*->\s*(\w+)\s*$")


def build_model(spec: Spec, columns: dict[str, list[str]]) -> tuple[Model, list[SpecIssue]]:
    """Resolve the spec against the data headers; return the model and every problem found."""
    model = Model(spec=spec, columns=columns)
    issues: list[SpecIssue] = []
    build_relations(model, issues)
    check_tables(model, issues)
    build_fields(model, issues)
    check_cycles(model, issues)
    build_filters(model, issues)
    build_metrics(model, issues)
    check_sections(model, issues)
    return model, issues


def field_source_table(model: Model, spec_field: AggregateField) -> str | None:
    """The table whose rows an aggregate field aggregates."""
    if spec_field.over:
        return spec_field.over
    if spec_field.of and "." in spec_field.of:
        return spec_field.of.split(".", 1)[0]
    return None


def field_expressions(spec_field: FieldSpec) -> list[tuple[Loc, str, str]]:
    """The (loc, text, kind) of every expression inside a field definition."""
    found: list[tuple[Loc, str, str]] = []
    if isinstance(spec_field, (BinsField, MapField, WeekdayField)):
        found.append((("column",), spec_field.column, "name"))
    elif isinstance(spec_field, CasesField):
        for index, case in enumerate(spec_field.cases):
            found.append((("cases", index, "when"), case.when, "condition"))
    elif isinstance(spec_field, ExprField):
        found.append((("expr",), spec_field.expr, "expression"))
    elif isinstance(spec_field, AggregateField):
        if spec_field.of:
            found.append((("of",), spec_field.of, "name"))
        if spec_field.where:
            found.append((("where",), spec_field.where, "condition"))
    if spec_field.order_by:
        found.append((("order_by",), spec_field.order_by, "name"))
    return found


def build_relations(model: Model, issues: list[SpecIssue]) -> None:
    where: dict[Relation, int] = {}
    for index, text in enumerate(model.spec.relations):
        loc: Loc = ("relations", index)
        match = RELATION.match(text)
        if not match:
            continue  # the spec loader reports the syntax
        child, column, parent = match.groups()
        problem = None
        for table in (child, parent):
            if table not in model.columns:
                problem = f"unknown table '{table}' in relation{did_you_mean(table, model.columns)}"
                break
        if problem is None and column not in model.columns[child]:
            hint = did_you_mean(column, model.columns[child])
            problem = f"unknown column '{column}' in table '{child}'{hint}"
        if problem is None and not model.key_of(parent):
            problem = (
                f"relation to '{parent}' needs a key: add 'key:' to data.{parent} "
                "so each row of it is identified once (a many-to-one relation)"
            )
        if problem is None and child == parent:
            problem = "a relation must link two different tables"
        if problem:
            issues.append(SpecIssue(loc, problem))
            continue
        model.relations.append(Relation(child, column, parent))
        where.setdefault(model.relations[-1], index)
    # A second path between the same two tables makes "many-to-one" ambiguous.
    seen: dict[tuple[str, str], int] = {}
    for index, relation in enumerate(model.relations):
        pair = (relation.child, relation.parent)
        if pair in seen:
            msg = f"a second relation from '{relation.child}' to '{relation.parent}'; keep one"
            issues.append(SpecIssue(("relations", index), msg))
        seen[pair] = index
    # Many-to-one relations cannot lead back to where they started.
    kept: list[Relation] = []
    for relation in list(model.relations):
        model.relations = [*kept, relation]
        back = model.path(relation.parent, relation.child)
        if back is None:
            kept.append(relation)
            continue
        tables = " → ".join([relation.child, *(r.parent for r in (relation, *back))])
        msg = (
            f"the relations form a cycle ({tables}); a relation goes from the many side to "
            "the one side (child.column -> parent), so one of them is the wrong way round"
        )
        issues.append(SpecIssue(("relations", where[relation]), msg))
    model.relations = kept


def check_tables(model: Model, issues: list[SpecIssue]) -> None:
    for name, table in model.spec.data.items():
        available = model.columns.get(name, [])
        if table.key and table.key not in available:
            if model.private_hint(name, table.key):
                message = (
                    f"key column '{table.key}' is declared private (dropped at load), so it "
                    "cannot be the key; take it out of 'private' or choose another key"
                )
            else:
                hint = did_you_mean(table.key, available)
                message = f"key column '{table.key}' is not in the file's header{hint}"
            issues.append(SpecIssue(("data", name, "key"), message))
        cleaned: list[tuple[tuple[str | int, ...], str]] = [
            (("drop_missing", index), column)
            for index, column in enumerate(table.clean.drop_missing)
        ]
        cleaned += [(("valid", column), column) for column in table.clean.valid]
        for where, column in cleaned:
            if column in available:
                continue
            if model.private_hint(name, column):
                message = (
                    f"column '{column}' of table '{name}' is declared private (dropped at "
                    "load), so cleaning cannot use it; take it out of 'private' or out of "
                    "'clean'"
                )
            else:
                hint = did_you_mean(column, available)
                message = f"unknown column '{column}' in table '{name}'{hint}"
            issues.append(SpecIssue(("data", name, "clean", *where), message))
        for column in table.columns:
            if column not in available:
                hint = did_you_mean(column, available)
                message = f"unknown column '{column}' in table '{name}'{hint}"
                issues.append(SpecIssue(("data", name, "columns", column), message))
        for field_name, spec_field in model.spec.fields.items():
            if spec_field.on == name and field_name in available:
                msg = f"field '{field_name}' has the name of a column of '{name}'; rename the field"
                issues.append(SpecIssue(("fields", field_name), msg))


def build_fields(model: Model, issues: list[SpecIssue]) -> None:
    for name, spec_field in model.spec.fields.items():
        base: Loc = ("fields", name)
        if spec_field.on not in model.columns:
            continue  # reported by the spec loader
        scope = spec_field.on
        if isinstance(spec_field, AggregateField):
            source = field_source_table(model, spec_field)
            if source is None:
                msg = (
                    f"'{spec_field.func}' needs 'over: TABLE' (the table whose rows are aggregated)"
                )
                issues.append(SpecIssue(base, msg))
                continue
            if source not in model.columns:
                loc = (*base, "over") if spec_field.over else (*base, "of")
                issues.append(
                    SpecIssue(loc, f"unknown table '{source}'{did_you_mean(source, model.columns)}")
                )
                continue
            if model.path(source, spec_field.on) is None:
                msg = (
                    f"cannot aggregate '{source}' per '{spec_field.on}': no many-to-one relation "
                    f"path from '{source}' to '{spec_field.on}'"
                )
                issues.append(SpecIssue(base, msg))
                continue
            if spec_field.func not in ("count", "any") and not spec_field.of:
                issues.append(SpecIssue(base, f"'{spec_field.func}' needs 'of: table.column'"))
            scope = source
        refs: list[Resolved] = []
        for loc, text, kind in field_expressions(spec_field):
            _, resolved = resolve_text(model, text, scope, (*base, *loc), kind, issues)
            refs.extend(resolved)
        model.field_refs[name] = refs


def check_cycles(model: Model, issues: list[SpecIssue]) -> None:
    reported: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            cycle = [*trail[trail.index(name) :], name]
            if cycle[0] not in reported:
                reported.update(cycle)
                msg = f"field '{cycle[0]}' depends on itself: {' → '.join(cycle)}"
                issues.append(SpecIssue(("fields", cycle[0]), msg))
            return
        for ref in model.field_refs.get(name, []):
            if ref.is_field:
                visit(ref.name, [*trail, name])

    for name in model.field_refs:
        visit(name, [])
    for name in reported:
        model.field_refs[name] = []


def build_filters(model: Model, issues: list[SpecIssue]) -> None:
    for name, spec_filter in model.spec.filters.items():
        if spec_filter.on not in model.columns:
            continue
        _, resolved = resolve_text(
            model,
            spec_filter.where,
            spec_filter.on,
            ("filters", name, "where"),
            "condition",
            issues,
        )
        model.filter_refs[name] = resolved
