"""The load's counts → the data-quality tables: rows read, each exclusion step and rows used per
table, missing values per column, and declared categories no row falls in (generated, never
typed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reportgen.model import expr as ex
from reportgen.model.semantic import Model, Relation
from reportgen.render.context import TableBlock, TableColumn
from reportgen.render.words import (
    Words,
    filter_title,
    lower_first,
    plain_integer,
    plain_number,
    upper_first,
)


def _parents_first(model: Model, tables: Sequence[str]) -> list[str]:
    """The tables with every parent before its children (else in the spec's order)."""
    ordered: list[str] = []

    def visit(table: str, trail: tuple[str, ...]) -> None:
        if table in ordered or table in trail or table not in tables:
            return
        for relation in model.parents(table):
            visit(relation.parent, (*trail, table))
        ordered.append(table)

    for table in tables:
        visit(table, ())
    return ordered


def cleaning_step(model: Model, table: str, exclusion: Any, words: Words | None = None) -> str:
    """A cleaning rule's effect in words, from its kind and the spec (labels, valid range)."""
    words = words or Words(model)
    column = words.column(table, exclusion.column) if exclusion.column else ""
    if exclusion.kind == "empty":
        return f"{upper_first(words.plural(table))} with no {column}"
    if exclusion.kind == "duplicate_rows":
        return f"{upper_first(words.plural(table))} that repeat an earlier row exactly"
    if exclusion.kind == "duplicate_key":
        return f"{upper_first(words.plural(table))} that repeat an earlier {column} (the first is kept)"
    if exclusion.kind == "infinite":
        return f"{upper_first(column)}: infinite values, treated as missing (the rows are kept)"
    if exclusion.kind == "invalid" and exclusion.column:
        valid = model.spec.data[table].clean.valid.get(exclusion.column)
        if valid is not None:
            if valid.min is None:
                span = f"above {plain_number(valid.max or 0)}"
            elif valid.max is None:
                span = f"below {plain_number(valid.min)}"
            else:
                span = f"outside {plain_number(valid.min)} to {plain_number(valid.max)}"
            return f"{upper_first(column)} values {span}, treated as missing (the rows are kept)"
    return upper_first(exclusion.reason)


def exclusion_step(
    model: Model,
    table: str,
    kind: str,
    what: Relation | str,
    cleaned: bool = False,
    words: Words | None = None,
) -> str:
    """A row-exclusion step after cleaning in words (``kind`` as in ``exclusion_steps``)."""
    words = words or Words(model)
    rows = upper_first(words.plural(table))
    if kind == "filter":
        assert isinstance(what, str)
        where = words.condition(ex.parse(model.spec.filters[what].where))
        return f"{rows} outside the filter ‘{filter_title(what)}’ (kept: {where})"
    assert isinstance(what, Relation)
    if kind == "missing":
        removed = " (or removed in cleaning)" if cleaned else ""
        return f"{rows} whose {words.singular(what.parent)} is not in the data{removed}"
    return f"{rows} of {words.plural(what.parent)} excluded above"


def quality_tables(
    model: Model,
    qualities: Mapping[str, Any],
    numbers: Mapping[str, Any],
    unused: Sequence[Any] = (),
) -> list[TableBlock]:
    """Rows read, each exclusion step and rows used per table (read − steps = used), missing
    values per column, and the declared categories no row falls in.

    ``numbers`` holds ``used`` (rows per table) and ``steps`` (``(kind, relation or filter,
    rows)`` per table, each row counted at its first step), as the pipeline stores them.
    """
    words = Words(model)
    head = [
        TableColumn("table", "Table"),
        TableColumn("what", "Step"),
        TableColumn("rows", "Rows", "right"),
    ]
    rows: list[list[str]] = []
    missing_rows: list[list[str]] = []
    files = []
    for table in _parents_first(model, list(qualities)):
        quality = qualities[table]
        name = upper_first(words.plural(table))
        files.append(f"{words.plural(table)}: {', '.join(quality.files)}")
        rows.append([name, "Rows read", plain_integer(quality.rows_read)])
        blanked: dict[str, list[str]] = {}
        for exclusion in quality.exclusions:
            text = cleaning_step(model, table, exclusion, words)
            if exclusion.dropped:
                rows.append(["", text, _minus(exclusion.rows)])
            elif exclusion.rows and exclusion.column:
                blanked.setdefault(exclusion.column, []).append(
                    f"{plain_integer(exclusion.rows)} {lower_first(text).removesuffix(' (the rows are kept)')}"
                )
        for kind, what, count in numbers.get("steps", {}).get(table, []):
            if count or kind == "filter":
                cleaned = kind == "missing" and _dropped(qualities.get(getattr(what, "parent", "")))
                rows.append(
                    ["", exclusion_step(model, table, kind, what, cleaned, words), _minus(count)]
                )
        if table in numbers.get("used", {}):
            rows.append(["", "Used in the analysis", plain_integer(numbers["used"][table])])
        for column, count in quality.missing.items():
            if count:
                why = "; ".join(blanked.get(column, [])) or "empty in the data"
                missing_rows.append(
                    [name, model.column_label(column), plain_integer(count), upper_first(why)]
                )
    note = "Excluded rows are counted once, at the first step that applies. Files read: "
    blocks = [
        TableBlock(
            head, rows, caption="Rows read, excluded and used", note=note + "; ".join(files) + "."
        )
    ]
    missing_head = [
        TableColumn("table", "Table"),
        TableColumn("column", "Column"),
        TableColumn("missing", "Missing values", "right"),
        TableColumn("why", "Why"),
    ]
    blocks.append(
        TableBlock(
            missing_head,
            missing_rows or [["–", "No missing values", "0", "–"]],
            caption="Missing values after cleaning",
        )
    )
    if unused:
        unused_head = [
            TableColumn("field", "Field"),
            TableColumn("category", "Category"),
            TableColumn("finding", "Finding"),
        ]
        unused_rows = [
            [model.column_label(u.field), u.label, unused_finding(model, u, words)] for u in unused
        ]
        blocks.append(TableBlock(unused_head, unused_rows, caption="Declared but unused"))
    return blocks


def unused_finding(model: Model, unused: Any, words: Words | None = None) -> str:
    """Why a declared category is empty, in words."""
    words = words or Words(model)
    one = words.singular(model.spec.fields[unused.field].on)
    if unused.kind == "value":
        return f"The value “{unused.value}” listed under it matches no {one}"
    if unused.kind == "group":
        return f"None of its values ({unused.value}) occurs, so no {one} falls in it"
    if unused.kind == "default":
        return f"No {one} has a value other than those listed, so none falls in it"
    if unused.value:
        rule = words.condition(ex.parse(unused.value))
        return f"No {one} falls in it (its rule: {rule}; earlier rules come first)"
    return f"Every {one} meets one of the rules before it, so none falls in it"


def _dropped(quality: Any) -> bool:
    return quality is not None and any(e.dropped and e.rows for e in quality.exclusions)


def _minus(count: int) -> str:
    return f"−{plain_integer(count)}" if count else "0"
