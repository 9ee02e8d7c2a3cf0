"""The spec and the load's counts → the methods and data-quality tables (generated, never typed).

Everything is phrased for a reader who has never seen the spec: the spec's own label or
description first, then the rule in plain words, built from the tables', columns', fields' and
metrics' labels (``order lines`` for a table counted by a metric named ``order_lines``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reportgen.model import expr as ex
from reportgen.model.semantic import Model, Relation, all_atoms
from reportgen.render.context import TableBlock, TableColumn
from reportgen.spec.models import (
    AggregateField,
    AnalysisSection,
    BinsField,
    CasesField,
    ExprField,
    MapField,
    Thresholds,
    WeekdayField,
)
from reportgen.style.format import day_names, format_value

# ---- words --------------------------------------------------------------------------------

_COMPARE = {
    "==": "is",
    "!=": "is not",
    "<": "is less than",
    "<=": "is at most",
    ">": "is more than",
    ">=": "is at least",
    "in": "is one of",
    "not in": "is not one of",
}
_OPPOSITE = {
    "==": "!=",
    "!=": "==",
    "<": ">=",
    "<=": ">",
    ">": "<=",
    ">=": "<",
    "in": "not in",
    "not in": "in",
}
_ARITHMETIC = {
    "/": "divided by",
    "//": "divided by (whole part)",
    "*": "times",
    "+": "plus",
    "-": "minus",
    "%": "modulo",
}
_AGGREGATE = {
    "sum": "the sum of",
    "mean": "the average",
    "median": "the median",
    "min": "the lowest",
    "max": "the highest",
}


def _num(value: float) -> str:
    """A number as written in a sentence: 150,000, 1.5, 0.8."""
    if float(value).is_integer():
        return format_value(value, "integer")
    return f"{value:,.6g}"


def _int(value: int) -> str:
    return format_value(value, "integer")


def _lower(text: str) -> str:
    """``Highest order number`` → ``highest order number``; ``US state`` stays."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def _quoted(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return _num(value)
    return f"“{value}”"


def _singular(plural: str) -> str:
    if plural.endswith("ies"):
        return plural[:-3] + "y"
    if plural.endswith(("sses", "xes", "ches", "shes")):
        return plural[:-2]
    if plural.endswith("s") and not plural.endswith("ss"):
        return plural[:-1]
    return plural


class Words:
    """The spec's names as a reader says them: labels, table nouns, conditions and formulas."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self._plurals = {name: self._plural_of(name) for name in model.spec.data}

    def _plural_of(self, table: str) -> str:
        """A table's noun: the name of the metric that counts its rows (``order_lines`` for
        ``count(order_products)``), else the table's own name, in words."""
        for name, metric in self.model.metrics.items():
            call = metric.formula
            if isinstance(call, ex.Call) and call.func == "count" and not call.keywords:
                atom = metric.atoms.get(call)
                if atom is not None and atom.over == table and atom.value is None:
                    return name.replace("_", " ")
        return table.replace("_", " ")

    def plural(self, table: str) -> str:
        return self._plurals.get(table, table.replace("_", " "))

    def singular(self, table: str) -> str:
        return _singular(self.plural(table))

    def label(self, name: str) -> str:
        """A column's, field's or metric's label, in lower case for the middle of a sentence."""
        return _lower(self.model.label(name))

    def column(self, table: str, name: str) -> str:
        """A column of ``table`` named beside the table's noun: its label, or its own name in
        words when the label is just the noun ("products with no product name")."""
        label = self.label(name)
        if label.lower() in (self.singular(table).lower(), self.plural(table).lower()):
            return " ".join("ID" if w == "id" else w for w in name.split("_"))
        return label

    def metric(self, name: str) -> str:
        """How a formula names another metric: "the number of orders" for a plain count."""
        metric = self.model.metrics.get(name)
        if metric is not None:
            call = metric.formula
            if isinstance(call, ex.Call) and call.func == "count" and not call.keywords:
                atom = metric.atoms.get(call)
                if atom is not None and atom.value is None:
                    return f"the number of {self.plural(atom.over)}"
        return self.label(name)

    # ---- conditions and formulas ----------------------------------------------------------
    def condition(self, node: ex.Node, negate: bool = False) -> str:
        """``max_order >= 5`` → ``highest order number is at least 5``."""
        if isinstance(node, ex.Unary) and node.op == "not":
            return self.condition(node.operand, not negate)
        if isinstance(node, ex.BoolOp):
            op = node.op if not negate else ("or" if node.op == "and" else "and")
            parts = []
            for operand in node.operands:
                text = self.condition(operand, negate)
                if isinstance(operand, ex.BoolOp) and len(node.operands) > 1:
                    text = f"({text})"
                parts.append(text)
            return f" {op} ".join(parts)
        if isinstance(node, ex.Compare):
            op = _OPPOSITE[node.op] if negate else node.op
            return f"{self.value(node.left)} {_COMPARE[op]} {self.value(node.right, op)}"
        text = self.value(node)
        return f"not: {text}" if negate else text

    def value(self, node: ex.Node, op: str = "") -> str:
        """A value in words: a label, a quoted constant, or arithmetic between them."""
        if isinstance(node, ex.Ref):
            return self.label(node.name)
        if isinstance(node, ex.Const):
            return _quoted(node.value)
        if isinstance(node, ex.ConstList):
            items = [_quoted(v) for v in node.values]
            joiner = " or " if op in ("in", "not in") else " and "
            return ", ".join(items[:-1]) + joiner + items[-1] if len(items) > 1 else "".join(items)
        if isinstance(node, ex.Unary):
            return f"minus {self.value(node.operand)}"
        if isinstance(node, ex.Binary):
            return f"{self.value(node.left)} {_ARITHMETIC[node.op]} {self.value(node.right)}"
        if isinstance(node, ex.Call):
            return self.call(node)
        return self.condition(node)

    def formula(self, node: ex.Node) -> str:
        """A metric formula: ``revenue / orders`` → ``revenue divided by the number of orders``."""
        if isinstance(node, ex.Ref) and node.table is None and node.name in self.model.metrics:
            return self.metric(node.name)
        if isinstance(node, ex.Binary):
            return f"{self.formula(node.left)} {_ARITHMETIC[node.op]} {self.formula(node.right)}"
        if isinstance(node, ex.Call):
            return self.call(node)
        return self.value(node)

    def call(self, node: ex.Call) -> str:
        if node.func in DATE_WORDS:
            return f"{DATE_WORDS[node.func]} {self.value(node.args[0])}"
        keywords = dict(node.keywords)
        if node.func == "share":
            of = node.args[0] if node.args else None
            what = self.formula(of) if of is not None else "the total"
            within = keywords.get("within")
            if within is not None:
                return f"each group's share of {what} within its {self.value(within)}"
            return f"each group's share of all {what.removeprefix('the number of ')}"
        atom = next(
            (a for m in self.model.metrics.values() for c, a in m.atoms.items() if c == node),
            None,
        )
        over = atom.over if atom is not None else ""
        rows = self.plural(over) if over else "rows"
        value = atom.value.name if atom is not None and atom.value is not None else None
        if node.func == "count" and value is None:
            text = f"the number of {rows}"
        elif node.func == "count":
            text = f"the number of {rows} with {_article(self.label(value or ''))}"
        elif node.func == "count_distinct":
            text = f"the number of different {self.label(value or '')} values among {rows}"
        else:
            lead = _AGGREGATE.get(node.func, node.func)
            text = f"{lead} {self.label(value or '')} over all {rows}"
        where = keywords.get("where")
        if isinstance(where, ex.Const) and isinstance(where.value, str):
            text += f" where {self.condition(ex.parse(where.value))}"
        return text


# The row functions of dates in words ('the month of date', 'date truncated to the month').
DATE_WORDS = {
    **{part: f"the {part} of" for part in ex.DATE_PARTS},
    "week": "the ISO week number of",
    "weekday": "the ISO weekday number (Monday 1) of",
    "month_name": "the month name of",
    "weekday_name": "the weekday name of",
    **{start: f"the start of the {start[3:]} of" for start in ex.PERIOD_STARTS},
}


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
        parts.append(f"Groups shown only where {words.condition(ex.parse(query.having))}.")
    return " ".join(parts)


# ---- definitions --------------------------------------------------------------------------


def describe_field(model: Model, name: str, words: Words | None = None) -> str:
    """The field's description, then its rule in plain words (generated from the spec)."""
    words = words or Words(model)
    spec_field = model.spec.fields[name]
    rule = _field_rule(model, words, spec_field)
    parts = [_sentence(spec_field.description)] if spec_field.description else []
    if rule:
        parts.append(_sentence(_upper(rule)))
    return " ".join(parts)


def _field_rule(model: Model, words: Words, spec_field: Any) -> str:
    if isinstance(spec_field, BinsField):
        column = words.value(ex.parse(spec_field.column))
        edges = [_num(e) for e in spec_field.edges]
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
        of = words.label(spec_field.of.split(".")[-1]) if spec_field.of else ""
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
        return f"{_AGGREGATE[spec_field.func]} {of} of {owner}{where}"
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
    parts = [_sentence(spec_filter.note)] if spec_filter.note else []
    return " ".join([*parts, _sentence(kept)])


def describe_metric(model: Model, name: str, words: Words | None = None) -> str:
    """The metric's description, then its formula in plain words."""
    words = words or Words(model)
    metric = model.metrics[name]
    rule = _sentence(_upper(words.formula(metric.formula)))
    if metric.description:
        return f"{_sentence(metric.description)} {rule}"
    return rule


def _filter_title(name: str) -> str:
    return name.replace("_", " ").capitalize()


def describe_table(model: Model, table: str, words: Words | None = None) -> str:
    """The table's description (or what a row is), then which rows it belongs to."""
    words = words or Words(model)
    description = model.spec.data[table].description
    parts = [_sentence(description or f"One row per {words.singular(table)}")]
    parents = [_article(words.singular(r.parent)) for r in model.parents(table)]
    if parents:
        listed = ", ".join(parents[:-1]) + " and " + parents[-1] if len(parents) > 1 else parents[0]
        parts.append(f"Each {words.singular(table)} belongs to {listed}.")
    return " ".join(parts)


def _article(noun: str) -> str:
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def definitions_tables(model: Model) -> list[TableBlock]:
    """Tables, fields, filters and metrics, each defined in words; then the narrative's
    thresholds."""
    words = Words(model)
    table_head = [TableColumn("table", "Table"), TableColumn("definition", "Contents")]
    data = [
        [_upper(words.plural(name)), describe_table(model, name, words)] for name in model.spec.data
    ]
    head = [
        TableColumn("name", "Name"),
        TableColumn("table", "For each"),
        TableColumn("definition", "Definition"),
    ]
    fields = [
        [model.label(name), words.singular(f.on), describe_field(model, name, words)]
        for name, f in model.spec.fields.items()
    ]
    filters = [
        [_filter_title(name), words.singular(f.on), describe_filter(model, name, words)]
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


# ---- the narrative's thresholds -----------------------------------------------------------


def _pct(value: float) -> str:
    return f"{value * 100:,.4g}%"


def _points(value: float) -> str:
    points = value * 100
    unit = "percentage point" if points == 1 else "percentage points"
    return f"{points:,.4g} {unit}"


# One entry per ``Thresholds`` setting: the word and what it means, given the values.
_WORDS: dict[str, tuple[str, Any]] = {
    "similar_cv": (
        "similar",
        lambda t: (
            f"the values vary by less than {_pct(t.similar_cv)} around their average "
            "(coefficient of variation: standard deviation divided by the mean)"
        ),
    ),
    "wide_ratio": (
        "varies widely",
        lambda t: f"the highest value is at least {_num(t.wide_ratio)} times the lowest",
    ),
    "same_within": (
        "about the same",
        lambda t: f"two values differ by less than {_pct(t.same_within)}",
    ),
    "same_within_pp": (
        "similar, about the same (percentages)",
        lambda t: (
            f"percentages (shares, rates) differ by less than {_points(t.same_within_pp)}, "
            "from the lowest to the highest"
        ),
    ),
    "majority": ("a majority", lambda t: f"a share of more than {_pct(t.majority)}"),
    "lead_ratio": (
        "by far the largest",
        lambda t: f"at least {_num(t.lead_ratio)} times the next largest",
    ),
    "follows_r": (
        "follows",
        lambda t: f"the two series have a correlation of at least {_num(t.follows_r)}",
    ),
}


def _word(key: str, thresholds: Thresholds) -> tuple[str, str]:
    """The word a threshold decides and its meaning at this value."""
    if key in _WORDS:
        word, meaning = _WORDS[key]
        return word, meaning(thresholds)
    description = Thresholds.model_fields[key].description or key
    return key.replace(
        "_", " "
    ), f"{description.split(': ', 1)[-1]} ({_num(getattr(thresholds, key))})"


def wording_tables(model: Model) -> list[TableBlock]:
    """What each qualitative word of the narrative means (``settings.wording``), the sections
    that change a threshold, and the minimum support below which groups are not ranked."""
    spec = model.spec
    thresholds = spec.settings.wording
    head = [TableColumn("word", "Word"), TableColumn("meaning", "Used when")]
    rows = [list(_word(key, thresholds)) for key in Thresholds.model_fields]
    blocks = [TableBlock(head, rows, caption="How the report's words are chosen")]
    changed = []
    for section in spec.sections:
        if section.wording is None:
            continue
        own = Thresholds.model_validate(
            {**thresholds.model_dump(), **section.wording.model_dump(exclude_unset=True)}
        )
        for key in section.wording.model_dump(exclude_unset=True):
            word, meaning = _word(key, own)
            changed.append([section.title, word, meaning])
    if changed:
        section_head = [
            TableColumn("section", "Section"),
            TableColumn("word", "Word"),
            TableColumn("meaning", "Used when"),
        ]
        blocks.append(
            TableBlock(section_head, changed, caption="Sections with their own thresholds")
        )
    support = []
    for section in spec.sections:
        if not isinstance(section, AnalysisSection) or section.query.min_support is None:
            continue
        minimum = section.query.min_support
        metric = model.metrics.get(minimum.metric)
        label = _lower(metric.label) if metric is not None else minimum.metric
        fmt = metric.format if metric is not None else "number"
        if fmt in ("integer", "number", "auto"):
            rule = f"groups with fewer than {format_value(minimum.at_least, fmt)} {label} are not ranked"
        else:
            amount = format_value(minimum.at_least, fmt, currency=spec.settings.currency)
            rule = f"groups whose {label} is below {amount} are not ranked"
        support.append([section.title, _upper(rule)])
    if support:
        support_head = [TableColumn("section", "Section"), TableColumn("rule", "Minimum support")]
        blocks.append(TableBlock(support_head, support, caption="Groups too small to rank"))
    return blocks


# ---- data quality -------------------------------------------------------------------------


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
        return f"{_upper(words.plural(table))} with no {column}"
    if exclusion.kind == "duplicate_rows":
        return f"{_upper(words.plural(table))} that repeat an earlier row exactly"
    if exclusion.kind == "duplicate_key":
        return f"{_upper(words.plural(table))} that repeat an earlier {column} (the first is kept)"
    if exclusion.kind == "infinite":
        return f"{_upper(column)}: infinite values, treated as missing (the rows are kept)"
    if exclusion.kind == "invalid" and exclusion.column:
        valid = model.spec.data[table].clean.valid.get(exclusion.column)
        if valid is not None:
            if valid.min is None:
                span = f"above {_num(valid.max or 0)}"
            elif valid.max is None:
                span = f"below {_num(valid.min)}"
            else:
                span = f"outside {_num(valid.min)} to {_num(valid.max)}"
            return f"{_upper(column)} values {span}, treated as missing (the rows are kept)"
    return _upper(exclusion.reason)


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
    rows = _upper(words.plural(table))
    if kind == "filter":
        assert isinstance(what, str)
        where = words.condition(ex.parse(model.spec.filters[what].where))
        return f"{rows} outside the filter ‘{_filter_title(what)}’ (kept: {where})"
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
        name = _upper(words.plural(table))
        files.append(f"{words.plural(table)}: {', '.join(quality.files)}")
        rows.append([name, "Rows read", _int(quality.rows_read)])
        blanked: dict[str, list[str]] = {}
        for exclusion in quality.exclusions:
            text = cleaning_step(model, table, exclusion, words)
            if exclusion.dropped:
                rows.append(["", text, _minus(exclusion.rows)])
            elif exclusion.rows and exclusion.column:
                blanked.setdefault(exclusion.column, []).append(
                    f"{_int(exclusion.rows)} {_lower(text).removesuffix(' (the rows are kept)')}"
                )
        for kind, what, count in numbers.get("steps", {}).get(table, []):
            if count or kind == "filter":
                cleaned = kind == "missing" and _dropped(qualities.get(getattr(what, "parent", "")))
                rows.append(
                    ["", exclusion_step(model, table, kind, what, cleaned, words), _minus(count)]
                )
        if table in numbers.get("used", {}):
            rows.append(["", "Used in the analysis", _int(numbers["used"][table])])
        for column, count in quality.missing.items():
            if count:
                why = "; ".join(blanked.get(column, [])) or "empty in the data"
                missing_rows.append([name, model.label(column), _int(count), _upper(why)])
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
            [model.label(u.field), u.label, unused_finding(model, u, words)] for u in unused
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
    return f"−{_int(count)}" if count else "0"
