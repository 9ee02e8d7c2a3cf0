"""A spec expression (a parsed ``model.expr`` tree) → a column over the rows of one table.

``Evaluator`` turns names into columns through ``values``, which each executor provides; the
operators, comparisons and conditions are the same for every engine. Never ``eval``.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
import pandas as pd

from reportgen.engine.dates import DATE_FUNCTIONS, NotADate
from reportgen.engine.lookups import as_bool, as_numeric
from reportgen.errors import DataError
from reportgen.model import expr as ex
from reportgen.model.semantic import Model, Resolved

_OPERATORS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
}


def arithmetic(op: str, left: Any, right: Any) -> Any:
    """``left op right`` on columns or numbers; a division by zero gives a missing value."""
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            result = _OPERATORS[op](left, right)
    except ZeroDivisionError:
        return np.nan
    if isinstance(result, pd.Series):
        return result.replace([np.inf, -np.inf], np.nan)
    return result


class Evaluator:
    """Evaluates expressions over the rows of a table of ``model``."""

    model: Model

    def length(self, table: str) -> int:
        """The rows of ``table``."""
        raise NotImplementedError

    def values(self, resolved: Resolved, scope: str) -> pd.Series:
        """The values of a column or field for every row of ``scope``."""
        raise NotImplementedError

    def evaluate(self, node: ex.Node, scope: str) -> Any:
        """An expression over the rows of ``scope``: a Series, or a scalar for constants."""
        if isinstance(node, ex.Ref):
            return self.values(self.model.resolve(node, scope), scope)
        if isinstance(node, ex.Const):
            return node.value
        if isinstance(node, ex.ConstList):
            return list(node.values)
        if isinstance(node, ex.Unary):
            operand = self.evaluate(node.operand, scope)
            if node.op == "not":
                return ~pd.Series(as_bool(operand, self.length(scope)))
            return -as_numeric(operand)
        if isinstance(node, ex.BoolOp):
            parts = [as_bool(self.evaluate(o, scope), self.length(scope)) for o in node.operands]
            combined = parts[0]
            for part in parts[1:]:
                combined = combined & part if node.op == "and" else combined | part
            return pd.Series(combined)
        if isinstance(node, ex.Compare):
            return self._compare(node, scope)
        if isinstance(node, ex.Binary):
            left = as_numeric(self.evaluate(node.left, scope))
            right = as_numeric(self.evaluate(node.right, scope))
            return arithmetic(node.op, left, right)
        if isinstance(node, ex.Call) and node.func in DATE_FUNCTIONS:
            return self._date_part(node, scope)
        msg = f"'{ex.to_text(node)}' cannot be computed per row"
        raise DataError(msg, table=scope)

    def _date_part(self, node: ex.Call, scope: str) -> pd.Series:
        """A date function (``engine.dates``) of its one argument, or a located data error."""
        try:
            return DATE_FUNCTIONS[node.func](self.evaluate(node.args[0], scope))
        except NotADate as error:
            msg = f"'{ex.to_text(node)}': '{ex.to_text(node.args[0])}' {error}"
            raise DataError(msg, table=scope) from None

    def _compare(self, node: ex.Compare, scope: str) -> pd.Series:
        left = self.evaluate(node.left, scope)
        right = self.evaluate(node.right, scope)
        check_kinds(node, left, right, scope)
        if node.op in ("in", "not in"):
            if not isinstance(left, pd.Series) or not isinstance(right, list):
                msg = (
                    f"'{ex.to_text(node)}': 'in' needs a column on the left and a list on the right"
                )
                raise DataError(msg, table=scope)
            result = left.isin(right)
            return ~result if node.op == "not in" else result
        if (
            isinstance(left, pd.Series)
            and isinstance(left.dtype, pd.CategoricalDtype)
            and node.op not in ("==", "!=")
        ) and not left.cat.ordered:
            left = left.astype(str).where(left.notna())
        try:
            result = {
                "==": lambda: left == right,
                "!=": lambda: left != right,
                "<": lambda: left < right,
                "<=": lambda: left <= right,
                ">": lambda: left > right,
                ">=": lambda: left >= right,
            }[node.op]()
        except TypeError as error:
            msg = f"cannot compare in '{ex.to_text(node)}': {error}"
            raise DataError(msg, table=scope) from None
        if not isinstance(result, pd.Series):
            result = pd.Series(np.full(self.length(scope), bool(result)))
        return result

    def condition(self, node: ex.Node, scope: str) -> np.ndarray:
        """A condition as one boolean per row of ``scope`` (missing counts as false)."""
        return as_bool(self.evaluate(node, scope), self.length(scope))


def check_kinds(node: ex.Compare, left: Any, right: Any, scope: str) -> None:
    """A number column compared with text, or a text column with a number, matches no row
    (2013 is not '2013'): a data error naming the fix, not a count of zero."""
    series, other = (left, right) if isinstance(left, pd.Series) else (right, left)
    if not isinstance(series, pd.Series):
        return
    constants = other if isinstance(other, list) else [other]
    if not constants or isinstance(series.dtype, pd.DatetimeTZDtype) or series.dtype.kind == "M":
        return
    texts = [c for c in constants if isinstance(c, str)]
    numbers = [c for c in constants if isinstance(c, int | float) and not isinstance(c, bool)]
    if series.dtype.kind in "iuf" and texts:
        msg = (
            f"in {ex.to_text(node)}: a number is compared with the text '{texts[0]}', which no "
            "row equals; write the number without quotes (a parameter: declare it type: number)"
        )
        raise DataError(msg, table=scope)
    values = series.cat.categories if isinstance(series.dtype, pd.CategoricalDtype) else series
    if numbers and infer_kind(values) == "string":
        msg = (
            f"in {ex.to_text(node)}: a text column is compared with the number {numbers[0]:g}, "
            f"which no row equals; put the value in quotes ('{numbers[0]:g}')"
        )
        raise DataError(msg, table=scope)


def infer_kind(values: pd.Series | pd.Index) -> str:
    """'string' for text values (the first thousand decide an object column), else pandas'
    inferred kind."""
    if values.dtype != object:
        return "string" if pd.api.types.is_string_dtype(values.dtype) else values.dtype.kind
    return str(pd.api.types.infer_dtype(values[:1000], skipna=True))
