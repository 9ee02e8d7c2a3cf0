"""Spec + data headers → the semantic model: relations, resolved fields, filters and metrics.

Every name in every expression is resolved here, before anything heavy runs; problems are
collected as located ``SpecIssue``s (all at once) with "did you mean" suggestions.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from reportgen.errors import SpecIssue, did_you_mean
from reportgen.model import expr as ex
from reportgen.model.section_checks import check_chart, check_having, metrics_in_where
from reportgen.spec.friendly import HINT_METRIC_IN_ROWS
from reportgen.spec.models import (
    AggregateField,
    AnalysisSection,
    BinsField,
    CasesField,
    ExprField,
    FieldSpec,
    MapField,
    Spec,
    WeekdayField,
    format_code,
)

Loc = tuple[str | int, ...]
RELATION = re.compile(r"^\s*(\w+)\.(\w+)\s*->\s*(\w+)\s*$")
AGG_FUNCS = ("count", "count_distinct", "sum", "mean", "median", "min", "max")
POST_FUNCS = ("share",)
DAY_NAMES_FROM_SUNDAY = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
]


# How the values of a field made by a date function print.
DATE_FUNCTION_FORMATS = {
    **dict.fromkeys(ex.DATE_PARTS, "plain"),
    "to_year": "year",
    "to_quarter": "quarter",
    "to_month": "month",
    "to_week": "date",
    "to_day": "date",
    "to_hour": "datetime",
}


def day_names(day_zero: str) -> list[str]:
    """The names of day numbers 0–6 when day 0 is ``day_zero`` (Saturday or Sunday)."""
    start = DAY_NAMES_FROM_SUNDAY.index(day_zero)
    return DAY_NAMES_FROM_SUNDAY[start:] + DAY_NAMES_FROM_SUNDAY[:start]


class ResolveError(ValueError):
    """A name that does not resolve in its scope."""


@dataclass(frozen=True)
class Relation:
    """``child.column -> parent``: each child row refers to one parent row by the parent's key."""

    child: str
    column: str
    parent: str


@dataclass(frozen=True)
class Resolved:
    """A reference bound to the table that holds it (a file column or a derived field)."""

    table: str
    name: str
    is_field: bool

    def __str__(self) -> str:
        return f"{self.table}.{self.name}"


@dataclass(frozen=True)
class Atom:
    """One aggregation over the rows of a table: ``func(value, over=table, where=...)``."""

    func: str
    over: str
    value: Resolved | None
    where: ex.Node | None = None


@dataclass(frozen=True)
class Metric:
    """A named metric: a formula over atoms, other metrics and constants."""

    name: str
    label: str
    format: str
    description: str
    formula: ex.Node
    atoms: Mapping[ex.Call, Atom]


@dataclass
class Model:
    """The resolved data model shared by every section of a run."""

    spec: Spec
    columns: dict[str, list[str]]  # table → spec-visible column names (from the headers)
    relations: list[Relation] = field(default_factory=list)
    field_refs: dict[str, list[Resolved]] = field(default_factory=dict)  # field → what it reads
    filter_refs: dict[str, list[Resolved]] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)

    # ---- graph --------------------------------------------------------------------------
    def parents(self, table: str) -> list[Relation]:
        return [r for r in self.relations if r.child == table]

    def path(self, source: str, target: str) -> tuple[Relation, ...] | None:
        """The shortest many-to-one path from ``source`` to ``target`` (``()`` when equal)."""
        if source == target:
            return ()
        queue: deque[tuple[str, tuple[Relation, ...]]] = deque([(source, ())])
        seen = {source}
        while queue:
            table, path = queue.popleft()
            for relation in self.parents(table):
                if relation.parent in seen:
                    continue
                step = (*path, relation)
                if relation.parent == target:
                    return step
                seen.add(relation.parent)
                queue.append((relation.parent, step))
        return None

    def reachable(self, source: str) -> list[str]:
        """``source`` and every table it reaches, nearest first."""
        order = [source]
        queue = deque([source])
        while queue:
            for relation in self.parents(queue.popleft()):
                if relation.parent not in order:
                    order.append(relation.parent)
                    queue.append(relation.parent)
        return order

    def no_total_reason(self, metric: str) -> str | None:
        """Why a metric has no value over all of a section's rows (a share within a column),
        or None when its total is the metric computed without groups."""

        def within(node: ex.Node) -> str | None:
            if isinstance(node, ex.Call) and node.func == "share":
                column = dict(node.keywords).get("within")
                if isinstance(column, ex.Ref):
                    return column.name
            children: list[ex.Node] = []
            if isinstance(node, ex.Unary):
                children = [node.operand]
            elif isinstance(node, ex.Binary):
                children = [node.left, node.right]
            elif isinstance(node, ex.Ref) and node.table is None and node.name in self.metrics:
                children = [self.metrics[node.name].formula]
            for child in children:
                found = within(child)
                if found is not None:
                    return found
            return None

        column = within(self.metrics[metric].formula)
        if column is None:
            return None
        return f"it is a share within each {self.label(column).lower()}, which adds up to 100 % in each"

    # ---- names --------------------------------------------------------------------------
    def names_on(self, table: str) -> list[str]:
        fields = [n for n, f in self.spec.fields.items() if f.on == table]
        return [*self.columns.get(table, []), *fields]

    def resolve(self, ref: ex.Ref, scope: str) -> Resolved:
        """Bind ``ref`` to a column or field of ``scope`` or of a table ``scope`` reaches."""
        reachable = self.reachable(scope)
        if ref.table is not None:
            if ref.table not in self.columns:
                hint = did_you_mean(ref.table, self.columns)
                msg = f"unknown table '{ref.table}' in '{ref}'{hint}"
                raise ResolveError(msg)
            if ref.table not in reachable:
                msg = (
                    f"'{ref}' cannot be used from table '{scope}': there is no many-to-one "
                    f"relation path from '{scope}' to '{ref.table}'"
                )
                raise ResolveError(msg)
            if ref.name not in self.names_on(ref.table):
                private = self._private_hint(ref.table, ref.name)
                hint = private or did_you_mean(ref.name, self.names_on(ref.table))
                msg = f"unknown column or field '{ref.name}' in table '{ref.table}'{hint}"
                raise ResolveError(msg)
            return self._bind(ref.table, ref.name)
        matches = [t for t in reachable if ref.name in self.names_on(t)]
        if not matches:
            elsewhere = [
                t for t in self.columns if t not in reachable and ref.name in self.names_on(t)
            ]
            if elsewhere:
                msg = (
                    f"'{ref.name}' is in table '{elsewhere[0]}', which cannot be reached from "
                    f"'{scope}' (no many-to-one relation path from '{scope}' to '{elsewhere[0]}')"
                )
                raise ResolveError(msg)
            if ref.name in self.spec.metrics:
                raise ResolveError(HINT_METRIC_IN_ROWS.format(name=ref.name, scope=scope))
            hint = ""
            for table in reachable:
                hint = hint or self._private_hint(table, ref.name)
            pool = [n for t in reachable for n in self.names_on(t)]
            hint = hint or did_you_mean(ref.name, pool)
            msg = f"unknown column or field '{ref.name}' (looked in {', '.join(reachable)}){hint}"
            raise ResolveError(msg)
        nearest = [
            t
            for t in matches
            if len(self.path(scope, t) or ()) == len(self.path(scope, matches[0]) or ())
        ]
        if len(nearest) > 1:
            options = " or ".join(f"'{t}.{ref.name}'" for t in nearest)
            msg = f"'{ref.name}' is ambiguous from table '{scope}'; write {options}"
            raise ResolveError(msg)
        return self._bind(matches[0], ref.name)

    def _private_hint(self, table: str, name: str) -> str:
        spec = self.spec.data.get(table)
        if spec is None:
            return ""
        private = {spec.rename.get(p, p) for p in spec.private} | set(spec.private)
        return f" (column '{name}' is private: it is dropped at load)" if name in private else ""

    def _bind(self, table: str, name: str) -> Resolved:
        return Resolved(table, name, is_field=name in self.spec.fields)

    def key_of(self, table: str) -> str | None:
        return self.spec.data[table].key

    def label(self, name: str) -> str:
        """Display name of a column, field or metric."""
        if name in self.metrics:
            return self.metrics[name].label
        spec_field = self.spec.fields.get(name)
        if spec_field is not None and spec_field.label:
            return spec_field.label
        return self.spec.labels.get(name, name.replace("_", " ").capitalize())

    def field_format(self, name: str) -> str:
        """How a field's values print: its declared format, else what its expression makes
        (a year without separators, a month start as 'Jul 2015'), else 'auto'."""
        spec_field = self.spec.fields.get(name)
        if spec_field is None:
            return "auto"
        declared = format_code(spec_field.format)
        if declared != "auto" or not isinstance(spec_field, ExprField):
            return declared
        try:
            node = ex.parse(spec_field.expr)
        except ex.ExprError:
            return "auto"
        if isinstance(node, ex.Call):
            return DATE_FUNCTION_FORMATS.get(node.func, "auto")
        return "auto"

    def known_levels(self, name: str) -> list[str] | None:
        """The values a group column can take when the spec alone says (labels of bins, cases,
        maps and weekdays, in their declared order), else None."""
        levels = self._declared_levels(name)
        spec_field = self.spec.fields.get(name)
        if levels is None or spec_field is None or not spec_field.order:
            return levels
        listed = [v for v in spec_field.order if v in levels]
        return listed + [v for v in levels if v not in listed]

    def _declared_levels(self, name: str) -> list[str] | None:
        spec_field = self.spec.fields.get(name)
        if isinstance(spec_field, BinsField):
            return list(spec_field.labels)
        if isinstance(spec_field, WeekdayField):
            return day_names(self.spec.settings.day_zero)
        if isinstance(spec_field, CasesField | MapField):
            return spec_field.labels()
        return None


# --------------------------------------------------------------------------------------------
# Building


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


def build_model(spec: Spec, columns: dict[str, list[str]]) -> tuple[Model, list[SpecIssue]]:
    """Resolve the spec against the data headers; return the model and every problem found."""
    model = Model(spec=spec, columns=columns)
    issues: list[SpecIssue] = []
    _build_relations(model, issues)
    _check_tables(model, issues)
    _build_fields(model, issues)
    _check_cycles(model, issues)
    _build_filters(model, issues)
    _build_metrics(model, issues)
    _check_sections(model, issues)
    return model, issues


def _build_relations(model: Model, issues: list[SpecIssue]) -> None:
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


def _check_tables(model: Model, issues: list[SpecIssue]) -> None:
    for name, table in model.spec.data.items():
        available = model.columns.get(name, [])
        if table.key and table.key not in available:
            if model._private_hint(name, table.key):
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
            if model._private_hint(name, column):
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


def _resolve_text(
    model: Model, text: str, scope: str, loc: Loc, kind: str, issues: list[SpecIssue]
) -> tuple[ex.Node | None, list[Resolved]]:
    try:
        node = ex.parse(text)
    except ex.ExprError as error:
        issues.append(SpecIssue(loc, f"{error}"))
        return None, []
    if kind == "name" and not isinstance(node, ex.Ref):
        issues.append(SpecIssue(loc, f"expected a column or field name, found '{text}'"))
        return None, []
    resolved = []
    for ref in ex.refs(node):
        try:
            resolved.append(model.resolve(ref, scope))
        except ResolveError as error:
            issues.append(SpecIssue(loc, str(error)))
    return node, resolved


def _build_fields(model: Model, issues: list[SpecIssue]) -> None:
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
            _, resolved = _resolve_text(model, text, scope, (*base, *loc), kind, issues)
            refs.extend(resolved)
        model.field_refs[name] = refs


def _check_cycles(model: Model, issues: list[SpecIssue]) -> None:
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


def _build_filters(model: Model, issues: list[SpecIssue]) -> None:
    for name, spec_filter in model.spec.filters.items():
        if spec_filter.on not in model.columns:
            continue
        _, resolved = _resolve_text(
            model,
            spec_filter.where,
            spec_filter.on,
            ("filters", name, "where"),
            "condition",
            issues,
        )
        model.filter_refs[name] = resolved


def _build_metrics(model: Model, issues: list[SpecIssue]) -> None:
    names = set(model.spec.metrics)
    for name, spec_metric in model.spec.metrics.items():
        loc: Loc = ("metrics", name)
        try:
            formula = ex.parse(spec_metric.expr, allow_calls=True)
        except ex.ExprError as error:
            issues.append(SpecIssue(loc, str(error)))
            continue
        atoms: dict[ex.Call, Atom] = {}
        before = len(issues)
        _collect_atoms(model, formula, names, loc, atoms, issues)
        if len(issues) > before:
            continue
        fmt: str = format_code(spec_metric.format)
        if fmt == "auto":
            fmt = _infer_format(formula, atoms)
        label = (
            spec_metric.label or model.spec.labels.get(name) or name.replace("_", " ").capitalize()
        )
        model.metrics[name] = Metric(name, label, fmt, spec_metric.description, formula, atoms)
    # metric → metric cycles
    for name, metric in list(model.metrics.items()):
        if _metric_cycle(model, name, metric.formula, [name]):
            issues.append(SpecIssue(("metrics", name), f"metric '{name}' refers to itself"))
            del model.metrics[name]


def metric_refs(node: ex.Node) -> list[str]:
    """Names of the other metrics a formula uses (aggregation arguments are columns, not metrics)."""
    if isinstance(node, ex.Ref):
        return [node.name] if node.table is None else []
    if isinstance(node, ex.Unary):
        return metric_refs(node.operand)
    if isinstance(node, ex.Binary):
        return metric_refs(node.left) + metric_refs(node.right)
    if isinstance(node, ex.Call) and node.func == "share":
        return [n for a in node.args for n in metric_refs(a)]
    return []


def _metric_cycle(model: Model, root: str, node: ex.Node, trail: list[str]) -> bool:
    for name in metric_refs(node):
        ref = ex.Ref(None, name)
        if ref.name in model.spec.metrics:
            if ref.name == root:
                return True
            other = model.metrics.get(ref.name)
            if (
                other
                and ref.name not in trail
                and _metric_cycle(model, root, other.formula, [*trail, ref.name])
            ):
                return True
    return False


def _infer_format(formula: ex.Node, atoms: Mapping[ex.Call, Atom]) -> str:
    if isinstance(formula, ex.Call):
        if formula.func == "share":
            return "percent"
        atom = atoms.get(formula)
        if atom and atom.func in ("count", "count_distinct"):
            return "integer"
    return "number"


def _collect_atoms(
    model: Model,
    node: ex.Node,
    metric_names: set[str],
    loc: Loc,
    atoms: dict[ex.Call, Atom],
    issues: list[SpecIssue],
) -> None:
    if isinstance(node, ex.Ref):
        if node.table is None and node.name in metric_names:
            return
        hint = did_you_mean(str(node), [*metric_names, *AGG_FUNCS])
        msg = f"'{node}' in a metric formula must be another metric or an aggregation such as sum(table.column){hint}"
        issues.append(SpecIssue(loc, msg))
        return
    if isinstance(node, (ex.Const, ex.ConstList)):
        return
    if isinstance(node, ex.Unary):
        _collect_atoms(model, node.operand, metric_names, loc, atoms, issues)
        return
    if isinstance(node, ex.Binary):
        _collect_atoms(model, node.left, metric_names, loc, atoms, issues)
        _collect_atoms(model, node.right, metric_names, loc, atoms, issues)
        return
    if not isinstance(node, ex.Call):
        issues.append(SpecIssue(loc, f"'{ex.to_text(node)}' is not allowed in a metric formula"))
        return
    if node.func == "share":
        _check_share(model, node, metric_names, loc, issues)
        return
    if node.func not in AGG_FUNCS:
        hint = did_you_mean(node.func, [*AGG_FUNCS, *POST_FUNCS])
        issues.append(
            SpecIssue(
                loc,
                f"unknown aggregation '{node.func}'{hint} (expected one of: {', '.join(AGG_FUNCS + POST_FUNCS)})",
            )
        )
        return
    atom = _make_atom(model, node, loc, issues)
    if atom is not None:
        atoms[node] = atom


def _check_share(
    model: Model, node: ex.Call, metric_names: set[str], loc: Loc, issues: list[SpecIssue]
) -> None:
    if (
        len(node.args) != 1
        or not isinstance(node.args[0], ex.Ref)
        or node.args[0].name not in metric_names
    ):
        issues.append(
            SpecIssue(
                loc,
                "share() takes one metric name, e.g. share(orders) or share(orders, within=region)",
            )
        )
    for key, _value in node.keywords:
        if key != "within":
            issues.append(SpecIssue(loc, f"share() has no argument '{key}' (expected 'within')"))


def _make_atom(model: Model, node: ex.Call, loc: Loc, issues: list[SpecIssue]) -> Atom | None:
    keywords = dict(node.keywords)
    for key in keywords:
        if key not in ("over", "where"):
            issues.append(
                SpecIssue(
                    loc,
                    f"{node.func}() has no argument '{key}'{did_you_mean(key, ['over', 'where'])}",
                )
            )
            return None
    over: str | None = None
    if "over" in keywords:
        over_node = keywords["over"]
        if not isinstance(over_node, ex.Ref) or over_node.table is not None:
            issues.append(SpecIssue(loc, "'over=' takes a table name, e.g. over=order_products"))
            return None
        over = over_node.name
    value_ref: ex.Ref | None = None
    if (
        node.func == "count"
        and len(node.args) == 1
        and isinstance(node.args[0], ex.Ref)
        and node.args[0].table is None
        and node.args[0].name in model.columns
    ):
        over = over or node.args[0].name  # count(table)
    elif len(node.args) == 1 and isinstance(node.args[0], ex.Ref):
        value_ref = node.args[0]
    elif not (node.func == "count" and not node.args and over):
        msg = f"{node.func}() takes one column as table.column, e.g. {node.func}(orders.order_id)"
        issues.append(SpecIssue(loc, msg))
        return None
    if over is None and value_ref is not None:
        if value_ref.table is None:
            msg = f"write the column as table.column in {node.func}({value_ref.name}), or add over=TABLE"
            issues.append(SpecIssue(loc, msg))
            return None
        over = value_ref.table
    assert over is not None
    if over not in model.columns:
        issues.append(SpecIssue(loc, f"unknown table '{over}'{did_you_mean(over, model.columns)}"))
        return None
    value = None
    if value_ref is not None:
        try:
            value = model.resolve(value_ref, over)
        except ResolveError as error:
            issues.append(SpecIssue(loc, str(error)))
            return None
    where = None
    if "where" in keywords:
        where_node = keywords["where"]
        if not isinstance(where_node, ex.Const) or not isinstance(where_node.value, str):
            issues.append(
                SpecIssue(loc, 'where= takes a quoted condition, e.g. where="reordered == 1"')
            )
            return None
        where, _ = _resolve_text(model, where_node.value, over, loc, "condition", issues)
    return Atom(node.func, over, value, where)


def _check_sections(model: Model, issues: list[SpecIssue]) -> None:
    for index, section in enumerate(model.spec.sections):
        if not isinstance(section, AnalysisSection):
            continue
        base: Loc = ("sections", index)
        query = section.query
        before_query = len(issues)
        for m_index, metric in enumerate(query.metrics):
            if metric not in model.spec.metrics:
                hint = did_you_mean(metric, model.spec.metrics)
                issues.append(
                    SpecIssue(
                        (*base, "query", "metrics", m_index), f"unknown metric '{metric}'{hint}"
                    )
                )
        tables = {a.over for m in query.metrics if m in model.metrics for a in _all_atoms(model, m)}
        for b_index, text in enumerate(query.by):
            for table in sorted(tables):
                before = len(issues)
                _resolve_text(model, text, table, (*base, "query", "by", b_index), "name", issues)
                if len(issues) > before:
                    break
        visible = {n for table in tables for t in model.reachable(table) for n in model.names_on(t)}
        where_metrics = metrics_in_where(section, base, visible.__contains__)
        issues.extend(where_metrics)
        if query.where and not where_metrics:
            for table in sorted(tables):
                before = len(issues)
                _resolve_text(
                    model, query.where, table, (*base, "query", "where"), "condition", issues
                )
                if len(issues) > before:
                    break
        if len(issues) > before_query:
            continue  # the result's columns are unknown until the query is fixed
        outputs = [ex.Ref(None, t.split(".")[-1]).name for t in query.by] + list(query.metrics)
        if query.sort:
            name = query.sort.lstrip("-")
            if name not in outputs:
                hint = did_you_mean(name, outputs)
                issues.append(
                    SpecIssue(
                        (*base, "query", "sort"),
                        f"cannot sort by '{name}': not a column of the result{hint}",
                    )
                )
        if query.min_support is not None and query.min_support.metric not in query.metrics:
            name = query.min_support.metric
            hint = did_you_mean(name, query.metrics)
            issues.append(
                SpecIssue(
                    (*base, "query", "min_support", "metric"),
                    f"min_support needs one of the query's metrics, not '{name}' "
                    f"(metrics: {', '.join(query.metrics)}){hint}",
                )
            )
        issues.extend(check_having(section, base, outputs))
        if section.chart is not None:
            before_chart = len(issues)
            named = [("x", section.chart.x), ("color", section.chart.color)]
            named += [("y", measure) for measure in section.chart.measures]
            for key, value in named:
                if value is not None and value not in outputs:
                    hint = did_you_mean(value, outputs)
                    issues.append(
                        SpecIssue(
                            (*base, "chart", key),
                            f"'{value}' is not a column of the result (columns: {', '.join(outputs)}){hint}",
                        )
                    )
            if len(issues) == before_chart:
                groups = [t.split(".")[-1] for t in query.by]
                issues.extend(check_chart(section, base, groups))
        if section.table.columns:
            for c_index, column in enumerate(section.table.columns):
                if column not in outputs:
                    hint = did_you_mean(column, outputs)
                    issues.append(
                        SpecIssue(
                            (*base, "table", "columns", c_index),
                            f"'{column}' is not a column of the result{hint}",
                        )
                    )


def _all_atoms(model: Model, metric_name: str, trail: tuple[str, ...] = ()) -> list[Atom]:
    """Every atom a metric needs, following references to other metrics."""
    metric = model.metrics.get(metric_name)
    if metric is None or metric_name in trail:
        return []
    found = list(metric.atoms.values())
    for name in metric_refs(metric.formula):
        if name in model.metrics:
            found.extend(_all_atoms(model, name, (*trail, metric_name)))
    return found


all_atoms = _all_atoms
