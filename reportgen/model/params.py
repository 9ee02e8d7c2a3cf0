"""A spec's declared parameters and the values given on the command line → the bound values,
and the spec with every ``params.NAME`` in its conditions replaced by its value.

Conditions name a parameter as ``params.NAME`` (``region == params.region``), the same name
texts use (``{{ params.region }}``). Binding happens before the model is built, so the model,
the plans and the results-cache keys see a plain constant: a section whose conditions do not
use a parameter keeps the same key for every value, and one that does gets a key per value.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

from reportgen.errors import SpecIssue, UsageError, did_you_mean
from reportgen.model import expr as ex
from reportgen.spec.load import LoadedSpec, raise_located
from reportgen.spec.models import AnalysisSection, Spec
from reportgen.spec.params import ParamSpec, ParamValue

PARAMS = "params"  # the name conditions and texts reach the parameters by


def parse_assignments(pairs: Sequence[str], option: str = "--param") -> dict[str, str]:
    """``["region=South", …]`` → ``{"region": "South"}``; a malformed or repeated one is a
    usage error."""
    given: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            msg = f"{option} {pair!r}: expected NAME=VALUE, e.g. {option} region=South"
            raise UsageError(msg)
        if name in given:
            msg = f"{option} {name}: given twice ({given[name]!r} and {value!r})"
            raise UsageError(msg)
        given[name] = value
    return given


def label_of(name: str, param: ParamSpec) -> str:
    """The parameter's display name: its label, else its name in words."""
    return param.label or name.replace("_", " ").capitalize()


def shown(value: ParamValue) -> str:
    """A bound value as text prints it (whole numbers without a decimal point)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def text_values(loaded: LoadedSpec) -> dict[str, str]:
    """The bound values as texts quote them: ``{{ params.region }}`` → ``South``."""
    return {name: shown(value) for name, value in loaded.params.items()}


def cover_lines(loaded: LoadedSpec) -> list[tuple[str, str]]:
    """(label, value) of every bound parameter, for the cover: ``Region: South``."""
    spec = loaded.spec
    return [(label_of(n, spec.params[n]), shown(v)) for n, v in loaded.params.items()]


def chosen_values(loaded: LoadedSpec) -> list[str]:
    """The values that differ from their defaults (they name the report: '… — South')."""
    spec = loaded.spec
    return [
        shown(value)
        for name, value in loaded.params.items()
        if spec.params[name].default is None
        or not same_value(spec.params[name], value, spec.params[name].default)
    ]


def coerce(param: ParamSpec, text: str) -> ParamValue:
    """A value given as text, read as the parameter's type; ``ValueError`` says what is wrong."""
    if param.type == "number":
        try:
            number = float(text)
        except ValueError:
            msg = f"{text!r} is not a number"
            raise ValueError(msg) from None
        if not math.isfinite(number):
            msg = f"{text!r} is not a finite number"
            raise ValueError(msg)
        return int(number) if number.is_integer() and "." not in text else number
    if param.type == "date":
        try:
            return dt.date.fromisoformat(text.strip()).isoformat()
        except ValueError:
            msg = f"{text!r} is not a date in ISO format (e.g. 2017-01-31)"
            raise ValueError(msg) from None
    return text


def allowed(param: ParamSpec, value: ParamValue) -> bool:
    """Whether ``value`` is one of the declared ``values`` (any value when none are declared)."""
    if param.values is None:
        return True
    return any(same_value(param, value, v) for v in param.values)


def same_value(param: ParamSpec, value: ParamValue, declared: object) -> bool:
    if param.type == "number":
        try:
            return float(value) == float(str(declared))
        except ValueError:
            return False
    return (
        shown(value) == shown(declared) if isinstance(declared, (int, float)) else value == declared
    )


def placeholder(param: ParamSpec) -> ParamValue:
    """A value to check a spec with when none is given (validate)."""
    if param.values:
        return param.values[0]
    fallback: dict[str, ParamValue] = {"number": 0, "date": "2000-01-01"}
    return fallback.get(param.type, "")


def bind(
    loaded: LoadedSpec, given: Mapping[str, str] | None = None, *, require: bool = True
) -> LoadedSpec:
    """The spec with its parameters bound (``given``, else defaults) and substituted into its
    conditions; every problem is a located spec error (exit 2). ``require=False`` (validate)
    checks a parameter without a value with a placeholder instead of failing."""
    spec, given = loaded.spec, dict(given or {})
    issues = param_issues(spec, given)
    values: dict[str, ParamValue] = {}
    for name, param in spec.params.items():
        value = value_of(name, param, given.get(name), require, issues)
        if value is not None:
            values[name] = value
    bound_spec = substitute(spec, values, issues) if not issues else spec
    if issues:
        raise_located(loaded, issues)
    return dataclasses.replace(loaded, spec=bound_spec, params=values)


def param_issues(spec: Spec, given: Mapping[str, str]) -> list[SpecIssue]:
    """Unknown names on the command line, and ``batch:`` naming what the spec does not declare."""
    issues = []
    declared = list(spec.params)
    for name, value in given.items():
        if name not in spec.params:
            what = f"(it declares: {', '.join(declared)})" if declared else "(it declares none)"
            hint = did_you_mean(name, declared)
            msg = f"--param {name}={value}: the spec has no parameter '{name}' {what}{hint}"
            issues.append(SpecIssue((PARAMS,), msg))
    if PARAMS in spec.data and spec.params:
        msg = f"a table named '{PARAMS}' hides the parameters (params.NAME): rename the table"
        issues.append(SpecIssue(("data", PARAMS), msg))
    if spec.batch is not None:
        if spec.batch.each is not None and spec.batch.each not in spec.params:
            hint = did_you_mean(spec.batch.each, declared)
            msg = f"batch.each: no parameter '{spec.batch.each}' is declared under params{hint}"
            issues.append(SpecIssue(("batch", "each"), msg))
        metrics = list(spec.metrics)
        for index, metric in enumerate(spec.batch.compare):
            if metric not in spec.metrics:
                msg = f"batch.compare: unknown metric '{metric}'{did_you_mean(metric, metrics)}"
                issues.append(SpecIssue(("batch", "compare", index), msg))
        summary = spec.batch.summary
        if summary is not None and summary not in spec.metrics:
            msg = f"batch.summary: unknown metric '{summary}'{did_you_mean(summary, metrics)}"
            issues.append(SpecIssue(("batch", "summary"), msg))
    return issues


def value_of(
    name: str, param: ParamSpec, text: str | None, require: bool, issues: list[SpecIssue]
) -> ParamValue | None:
    """The value of one parameter: given, else its default, else (validate) a placeholder."""
    if text is None and param.default is None:
        if not require:
            return placeholder(param)
        choices = f" (one of {_listed(param.values)})" if param.values else ""
        msg = (
            f"parameter '{name}' has no default: give its value with --param {name}=VALUE{choices}"
        )
        issues.append(SpecIssue((PARAMS, name), msg))
        return None
    source = f"--param {name}={text}" if text is not None else f"params.{name}.default"
    loc: tuple[str | int, ...] = (PARAMS, name) if text is not None else (PARAMS, name, "default")
    try:
        value = coerce(param, text if text is not None else str(param.default))
    except ValueError as error:
        issues.append(SpecIssue(loc, f"{source}: {error} (parameter '{name}' is a {param.type})"))
        return None
    if text is not None and not allowed(param, value):  # a default may stand outside (All)
        assert param.values is not None
        hint = did_you_mean(shown(value), [shown(v) for v in param.values])
        msg = (
            f"{source}: '{shown(value)}' is not a value of parameter '{name}' "
            f"(one of {_listed(param.values)}){hint}"
        )
        issues.append(SpecIssue((PARAMS, name, "values"), msg))
        return None
    return value


def _listed(values: Sequence[object] | None) -> str:
    items = [shown(v) for v in values or ()]  # type: ignore[arg-type]
    return ", ".join(items[:20]) + (f" and {len(items) - 20} more" if len(items) > 20 else "")


def substitute(spec: Spec, values: Mapping[str, ParamValue], issues: list[SpecIssue]) -> Spec:
    """``spec`` with ``params.NAME`` in global filters and sections' ``where``/``having``
    replaced by the value; a condition that names no parameter is left exactly as written."""
    filters = {}
    for name, spec_filter in spec.filters.items():
        where = _bound_text(spec_filter.where, spec, values, ("filters", name, "where"), issues)
        if where:  # a filter its parameter turns off ('All') is dropped
            filters[name] = spec_filter.model_copy(update={"where": where})
    sections: list[Any] = []
    for index, section in enumerate(spec.sections):
        if isinstance(section, AnalysisSection):
            query = section.query
            update = {}
            for key in ("where", "having"):
                text = getattr(query, key)
                if text is not None:
                    loc = ("sections", index, "query", key)
                    update[key] = _bound_text(text, spec, values, loc, issues) or None
            section = section.model_copy(update={"query": query.model_copy(update=update)})
        sections.append(section)
    return spec.model_copy(update={"filters": filters, "sections": sections})


def _bound_text(
    text: str,
    spec: Spec,
    values: Mapping[str, ParamValue],
    loc: tuple[str | int, ...],
    issues: list[SpecIssue],
) -> str:
    try:
        tree = ex.parse(text)
    except ex.ExprError:
        return text  # the model reports it, located
    names = [ref.name for ref in ex.refs(tree) if ref.table == PARAMS]
    if not names or PARAMS in spec.data:
        return text
    for name in names:
        if name not in spec.params:
            hint = did_you_mean(name, list(spec.params))
            msg = f"unknown parameter '{name}' in 'params.{name}'{hint}"
            issues.append(SpecIssue(loc, msg))
    if any(name not in values for name in names):
        return text
    folded = fold(_replace(tree, values))
    return "" if folded == ex.Const(True) else ex.to_text(folded)


def _replace(node: ex.Node, values: Mapping[str, ParamValue]) -> ex.Node:
    """The tree with each ``params.NAME`` reference replaced by its value as a constant."""
    if isinstance(node, ex.Ref):
        return ex.Const(values[node.name]) if node.table == PARAMS else node
    if isinstance(node, ex.Unary):
        return ex.Unary(node.op, _replace(node.operand, values))
    if isinstance(node, ex.Binary):
        return ex.Binary(node.op, _replace(node.left, values), _replace(node.right, values))
    if isinstance(node, ex.Compare):
        return ex.Compare(node.op, _replace(node.left, values), _replace(node.right, values))
    if isinstance(node, ex.BoolOp):
        return ex.BoolOp(node.op, tuple(_replace(o, values) for o in node.operands))
    if isinstance(node, ex.Call):
        args = tuple(_replace(a, values) for a in node.args)
        keywords = tuple((k, _replace(v, values)) for k, v in node.keywords)
        return ex.Call(node.func, args, keywords)
    return node


_COMPARE = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def fold(node: ex.Node) -> ex.Node:
    """Settle what the bound values decide: ``'All' == 'All'`` is true, so
    ``params.region == 'All' or region == params.region`` with ``All`` is true (the filter is
    dropped) and with ``South`` is ``region == 'South'``."""
    if isinstance(node, ex.Compare) and node.op in _COMPARE:
        if isinstance(node.left, ex.Const) and isinstance(node.right, ex.Const):
            return ex.Const(bool(_COMPARE[node.op](node.left.value, node.right.value)))
        return node
    if isinstance(node, ex.Unary) and node.op == "not":
        operand = fold(node.operand)
        if isinstance(operand, ex.Const) and isinstance(operand.value, bool):
            return ex.Const(not operand.value)
        return ex.Unary("not", operand)
    if isinstance(node, ex.BoolOp):
        settles, neutral = (node.op == "or"), (node.op == "and")
        kept = []
        for operand in (fold(o) for o in node.operands):
            if operand == ex.Const(settles):
                return operand
            if operand != ex.Const(neutral):
                kept.append(operand)
        if not kept:
            return ex.Const(neutral)
        return kept[0] if len(kept) == 1 else ex.BoolOp(node.op, tuple(kept))
    return node
