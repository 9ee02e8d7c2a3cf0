"""Spec + data headers → the semantic model: relations, resolved fields, filters and metrics.

The model's types and its name resolution (``Model.resolve``, ``resolve_text``); building it
from a spec is ``reportgen.model.build.build_model``. Every name in every expression is resolved
before anything heavy runs; problems are collected as located ``SpecIssue``s (all at once) with
"did you mean" suggestions.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from reportgen.errors import SpecIssue, did_you_mean
from reportgen.model import expr as ex
from reportgen.spec.friendly import HINT_METRIC_IN_ROWS
from reportgen.spec.models import (
    BinsField,
    CasesField,
    ExprField,
    MapField,
    Spec,
    WeekdayField,
    format_code,
)

Loc = tuple[str | int, ...]
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

    def adds_up(self, metric: str) -> bool:
        """Whether a metric's values over a section's groups add up to its value over all their
        rows (a count, a sum, a share of the whole): what gives a group a share of the total,
        or a majority. An average, a ratio, a distinct count or a share within a column do
        not."""
        formula = self.metrics[metric].formula
        if not isinstance(formula, ex.Call):
            return False
        if formula.func == "share":
            return "within" not in dict(formula.keywords)
        return formula.func in ("count", "sum")

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
                private = self.private_hint(ref.table, ref.name)
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
                hint = hint or self.private_hint(table, ref.name)
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

    def private_hint(self, table: str, name: str) -> str:
        """' (column ... is private ...)' when ``name`` is a private column of ``table``, else ''."""
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
        """Display name of a metric, else of a column or field of that name."""
        if name in self.metrics:
            return self.metrics[name].label
        return self.column_label(name)

    def column_label(self, name: str) -> str:
        """Display name of a column or field, never of a metric that shares its name (a
        metric 'price' averaging the column 'price')."""
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
# Queries over the model


def resolve_text(
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


def all_atoms(model: Model, metric_name: str, trail: tuple[str, ...] = ()) -> list[Atom]:
    """Every atom a metric needs, following references to other metrics."""
    metric = model.metrics.get(metric_name)
    if metric is None or metric_name in trail:
        return []
    found = list(metric.atoms.values())
    for name in metric_refs(metric.formula):
        if name in model.metrics:
            found.extend(all_atoms(model, name, (*trail, metric_name)))
    return found
