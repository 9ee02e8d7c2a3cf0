"""A metric's formula → its atoms (one aggregation over one table each), checked and resolved,
with the format it prints in when the spec does not say."""

from __future__ import annotations

from collections.abc import Mapping

from reportgen.errors import SpecIssue, did_you_mean
from reportgen.model import expr as ex
from reportgen.model.semantic import (
    Atom,
    Loc,
    Metric,
    Model,
    ResolveError,
    metric_refs,
    resolve_text,
)
from reportgen.spec.models import format_code

AGG_FUNCS = ("count", "count_distinct", "sum", "mean", "median", "min", "max")
POST_FUNCS = ("share",)


def build_metrics(model: Model, issues: list[SpecIssue]) -> None:
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
        where, _ = resolve_text(model, where_node.value, over, loc, "condition", issues)
    return Atom(node.func, over, value, where)
