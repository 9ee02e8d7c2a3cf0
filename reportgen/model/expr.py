"""Spec expression text → a small whitelisted tree (never ``eval``): names, constants, operators.

Conditions (``max_order > 40``, ``age < 40 and n_dependants > 0``, ``state in ['Ohio', 'Iowa']``)
and metric formulas (``sum(products.prices, over=order_products)``, ``revenue / orders``) are
parsed with Python's ``ast`` and only the node kinds below are accepted.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Union

from reportgen.spec.friendly import HINT_COMPARE_EQUALS, call_hint


class ExprError(ValueError):
    """An expression that cannot be parsed or uses something not allowed."""


@dataclass(frozen=True)
class Ref:
    """A column or field, optionally qualified by its table: ``age`` or ``customers.age``."""

    table: str | None
    name: str

    def __str__(self) -> str:
        return f"{self.table}.{self.name}" if self.table else self.name


@dataclass(frozen=True)
class Const:
    value: object


@dataclass(frozen=True)
class ConstList:
    values: tuple[object, ...]


@dataclass(frozen=True)
class Unary:
    op: str  # "not" | "-"
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str  # + - * / // %
    left: Node
    right: Node


@dataclass(frozen=True)
class Compare:
    op: str  # == != < <= > >= in not in
    left: Node
    right: Node


@dataclass(frozen=True)
class BoolOp:
    op: str  # and | or
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Call:
    """An aggregation call in a metric formula: ``func(arg, over=table, where='...')``."""

    func: str
    args: tuple[Node, ...]
    keywords: tuple[tuple[str, Node], ...]


Node = Union[Ref, Const, ConstList, Unary, Binary, Compare, BoolOp, Call]  # noqa: UP007

# Functions of one column allowed in row expressions (fields, filters, where): date parts and
# period starts. The engine computes them (engine/dates.py); each takes a date or datetime.
DATE_PARTS = ("year", "quarter", "month", "week", "weekday", "day", "hour")
DATE_NAMES = ("month_name", "weekday_name")
PERIOD_STARTS = ("to_year", "to_quarter", "to_month", "to_week", "to_day", "to_hour")
ROW_FUNCTIONS = DATE_PARTS + DATE_NAMES + PERIOD_STARTS

_BINARY = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
}
_COMPARE = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
}


def parse(text: str, *, allow_calls: bool = False) -> Node:
    """Parse ``text`` into a tree; raise ``ExprError`` with a plain message when it is not allowed."""
    source = text.strip()
    if not source:
        msg = "empty expression"
        raise ExprError(msg)
    if len(source) > 2000:
        msg = "expression longer than 2,000 characters"
        raise ExprError(msg)
    try:
        tree = ast.parse(source.replace("\n", " "), mode="eval")
    except SyntaxError as error:
        where = f" at character {error.offset}" if error.offset else ""
        msg = f"cannot parse expression '{source}'{where}{_equals_hint(source)}"
        raise ExprError(msg) from None
    return _convert(tree.body, source, allow_calls)


def _convert(node: ast.AST, source: str, allow_calls: bool) -> Node:
    def again(child: ast.AST) -> Node:
        return _convert(child, source, allow_calls)

    if isinstance(node, ast.Name):
        return Ref(None, node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return Ref(node.value.id, node.attr)
    if isinstance(node, ast.Constant) and isinstance(
        node.value, (int, float, str, bool, type(None))
    ):
        return Const(node.value)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        values = []
        for element in node.elts:
            converted = again(element)
            if not isinstance(converted, Const):
                msg = "lists may hold only constants (numbers or quoted text)"
                raise ExprError(msg)
            values.append(converted.value)
        return ConstList(tuple(values))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub, ast.UAdd)):
        operand = again(node.operand)
        if isinstance(node.op, ast.UAdd):
            return operand
        negative_number = (
            isinstance(node.op, ast.USub)
            and isinstance(operand, Const)
            and isinstance(operand.value, (int, float))
            and not isinstance(operand.value, bool)
        )
        if negative_number:
            assert isinstance(operand, Const)
            assert isinstance(operand.value, (int, float))
            return Const(-operand.value)
        return Unary("not" if isinstance(node.op, ast.Not) else "-", operand)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return Binary(_BINARY[type(node.op)], again(node.left), again(node.right))
    if isinstance(node, ast.BoolOp):
        op = "and" if isinstance(node.op, ast.And) else "or"
        return BoolOp(op, tuple(again(v) for v in node.values))
    if isinstance(node, ast.Compare):
        parts: list[Node] = []
        left = again(node.left)
        for operator, comparator in zip(node.ops, node.comparators, strict=True):
            if type(operator) not in _COMPARE:
                msg = "only ==, !=, <, <=, >, >=, in and not in compare values"
                raise ExprError(msg)
            right = again(comparator)
            parts.append(Compare(_COMPARE[type(operator)], left, right))
            left = right
        return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts))
    if (
        isinstance(node, ast.Call)
        and not allow_calls
        and isinstance(node.func, ast.Name)
        and node.func.id in ROW_FUNCTIONS
    ):
        if len(node.args) != 1 or node.keywords:
            msg = f"{node.func.id}() takes one date column, e.g. {node.func.id}(date)"
            raise ExprError(msg)
        return Call(node.func.id, (again(node.args[0]),), ())
    if isinstance(node, ast.Call) and allow_calls and isinstance(node.func, ast.Name):
        keywords = []
        for keyword in node.keywords:
            if keyword.arg is None:
                msg = "'**' is not allowed in expressions"
                raise ExprError(msg)
            keywords.append((keyword.arg, again(keyword.value)))
        return Call(node.func.id, tuple(again(a) for a in node.args), tuple(keywords))
    snippet = ast.get_source_segment(source, node) or type(node).__name__
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        msg = f"function calls are not allowed here: '{snippet}'{call_hint(name)}"
    else:
        msg = f"'{snippet}' is not allowed in an expression (use names, numbers, quoted text, comparisons, and/or/not, + - * /)"
    raise ExprError(msg)


def _equals_hint(source: str) -> str:
    """'x = 5' → the hint to write 'x == 5', when that parses."""
    fixed = re.sub(r"(?<![=!<>])=(?!=)", "==", source)
    if fixed == source:
        return ""
    try:
        ast.parse(fixed.replace("\n", " "), mode="eval")
    except SyntaxError:
        return ""
    return HINT_COMPARE_EQUALS.format(fixed=fixed)


def refs(node: Node) -> list[Ref]:
    """Every column or field reference in the tree, in reading order."""
    found: list[Ref] = []

    def walk(n: Node) -> None:
        if isinstance(n, Ref):
            found.append(n)
        elif isinstance(n, Unary):
            walk(n.operand)
        elif isinstance(n, (Binary, Compare)):
            walk(n.left)
            walk(n.right)
        elif isinstance(n, BoolOp):
            for operand in n.operands:
                walk(operand)
        elif isinstance(n, Call):
            for arg in n.args:
                walk(arg)

    walk(node)
    return found


_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "+": 5, "-": 5, "*": 6, "/": 6, "//": 6, "%": 6}


def _precedence(node: Node) -> int:
    """How tightly ``node`` binds as Python reads it (higher: tighter)."""
    if isinstance(node, BoolOp):
        return _PRECEDENCE[node.op]
    if isinstance(node, Unary):
        return 3 if node.op == "not" else 7
    if isinstance(node, Compare):
        return 4
    if isinstance(node, Binary):
        return _PRECEDENCE[node.op]
    return 8


def _operand(node: Node, tighter_than: int) -> str:
    """``node``'s text, in parentheses unless it binds tighter than ``tighter_than``."""
    text = to_text(node)
    return text if _precedence(node) > tighter_than else f"({text})"


def to_text(node: Node) -> str:
    """Readable text of a tree (for messages, and as the key of a condition): parentheses
    where the grouping needs them, so ``parse(to_text(tree)) == tree``."""
    if isinstance(node, Ref):
        return str(node)
    if isinstance(node, Const):
        return repr(node.value) if isinstance(node.value, str) else str(node.value)
    if isinstance(node, ConstList):
        return "[" + ", ".join(to_text(Const(v)) for v in node.values) + "]"
    if isinstance(node, Unary):
        if node.op == "not":
            return f"not {_operand(node.operand, 2)}"
        return f"-{_operand(node.operand, 6)}"
    if isinstance(node, Binary):
        level = _PRECEDENCE[node.op]
        return f"{_operand(node.left, level - 1)} {node.op} {_operand(node.right, level)}"
    if isinstance(node, Compare):
        return f"{_operand(node.left, 4)} {node.op} {_operand(node.right, 4)}"
    if isinstance(node, BoolOp):
        level = _PRECEDENCE[node.op]
        return f" {node.op} ".join(_operand(o, level) for o in node.operands)
    args = [to_text(a) for a in node.args] + [f"{k}={to_text(v)}" for k, v in node.keywords]
    return f"{node.func}({', '.join(args)})"
