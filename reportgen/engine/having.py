"""A section's result + its ``having`` condition → the result rows that meet it.

``having`` filters groups after aggregation, on the result's own columns (metrics and group
columns); ``where`` filters rows before it. Engine-neutral: it reads the finished table only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from reportgen.engine.evaluate import arithmetic
from reportgen.model import expr as ex

_COMPARE = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def keep_having(table: pd.DataFrame, having: ex.Node | None) -> pd.DataFrame:
    """The rows of ``table`` where ``having`` holds (a missing value never holds)."""
    if having is None or table.empty:
        return table
    holds = np.asarray(pd.Series(_value(having, table)).fillna(False).astype(bool))
    return table[holds].reset_index(drop=True)


def _value(node: ex.Node, table: pd.DataFrame) -> Any:
    if isinstance(node, ex.Ref):
        return table[node.name].reset_index(drop=True)  # checked by validate: a result column
    if isinstance(node, ex.Const):
        return node.value
    if isinstance(node, ex.ConstList):
        return list(node.values)
    if isinstance(node, ex.Unary):
        operand = _value(node.operand, table)
        return ~_flags(operand, len(table)) if node.op == "not" else -operand
    if isinstance(node, ex.BoolOp):
        parts = [_flags(_value(o, table), len(table)) for o in node.operands]
        combined = parts[0]
        for part in parts[1:]:
            combined = combined & part if node.op == "and" else combined | part
        return combined
    if isinstance(node, ex.Binary):
        return arithmetic(node.op, _value(node.left, table), _value(node.right, table))
    if isinstance(node, ex.Compare):
        left, right = _value(node.left, table), _value(node.right, table)
        if node.op in ("in", "not in"):
            found = pd.Series(left).astype(object).isin(right)
            return ~found if node.op == "not in" else found
        if isinstance(left, pd.Series) and isinstance(left.dtype, pd.CategoricalDtype):
            left = left.astype(object)
        return _COMPARE[node.op](left, right)
    msg = f"'{ex.to_text(node)}' cannot be used in 'having'"
    raise ValueError(msg)


def _flags(value: Any, length: int) -> pd.Series:
    if isinstance(value, pd.Series):
        return value.fillna(False).astype(bool).reset_index(drop=True)
    return pd.Series(np.full(length, bool(value)))
