"""A ``values_of`` parameter and the loaded data → its values (the distinct values of its
column or field, in the field's order), and the check of a value given for it.

A value outside the data is a usage error (exit 2) listing the values: the command line asked
for a report the data cannot make, as with an unknown ``--section``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from reportgen.engine.plan import Executor, GroupKey
from reportgen.errors import SpecIssue, UsageError, did_you_mean
from reportgen.model import expr as ex
from reportgen.model.params import PARAMS, shown
from reportgen.model.semantic import Model
from reportgen.spec.load import LoadedSpec, raise_located


def owner_table(model: Model, name: str) -> str | None:
    """The table a column or field named ``name`` (or ``table.name``) lives on."""
    ref = ex.parse(name)
    if not isinstance(ref, ex.Ref):
        return None
    if ref.name in model.spec.fields and ref.table is None:
        return model.spec.fields[ref.name].on
    tables = [ref.table] if ref.table is not None else list(model.columns)
    return next((t for t in tables if t in model.columns and ref.name in model.names_on(t)), None)


def check_values_of(loaded: LoadedSpec, model: Model) -> None:
    """Every ``values_of`` names a column or field (a located spec error otherwise)."""
    issues = []
    for name, param in loaded.spec.params.items():
        if param.values_of is None:
            continue
        try:
            found = owner_table(model, param.values_of)
        except ex.ExprError:
            found = None
        if found is None:
            names = [*model.spec.fields, *(c for cols in model.columns.values() for c in cols)]
            hint = did_you_mean(param.values_of, names)
            msg = f"params.{name}.values_of: no column or field '{param.values_of}'{hint}"
            issues.append(SpecIssue((PARAMS, name, "values_of"), msg))
    if issues:
        raise_located(loaded, issues)


def data_values(model: Model, executor: Executor, column: str) -> list[str]:
    """The values of ``column`` (a column or field) on rows whose relations resolve, whatever
    the filters (they may use the parameter), as text (``shown``: 2012, not 2012.0; a date as
    2014-01-31): in the field's declared order, else numbers by size and texts alphabetically;
    missing values are left out."""
    table = owner_table(model, column)
    assert table is not None  # check_values_of ran
    key = GroupKey(column.split(".")[-1], column)
    present: list[Any] = sorted(as_python(value) for value in executor.distinct(key, table))
    declared = executor.categories(key, table)
    if declared is not None:
        found = {str(value) for value in present}
        return [value for value in declared if value in found]
    return [shown(value) if isinstance(value, int | float) else str(value) for value in present]


def as_python(value: object) -> Any:
    """A value of a frame as Python's own: numpy's numbers, and a timestamp as its date's ISO
    text (the form conditions compare dates with)."""
    if isinstance(value, pd.Timestamp | np.datetime64):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def check_given_values(loaded: LoadedSpec, model: Model, executor: Executor) -> None:
    """Each bound value of a ``values_of`` parameter (not its default) is in the data."""
    for name, param in loaded.spec.params.items():
        if param.values_of is None or name not in loaded.params:
            continue
        value = shown(loaded.params[name])
        if param.default is not None and value == shown(param.default):
            continue
        values = data_values(model, executor, param.values_of)
        if value not in values:
            listed = ", ".join(values[:30]) + (" …" if len(values) > 30 else "")
            msg = (
                f"--param {name}={value}: '{value}' is not a value of {param.values_of} in the "
                f"data (the values: {listed}){did_you_mean(value, values)}"
            )
            raise UsageError(msg)
