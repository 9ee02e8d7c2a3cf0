"""Atom results → the section's table: metric formulas, shares, sorting and top-N with "Other".

Engine-neutral: it only calls ``Executor.aggregate``, so pandas and Dask results finish the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from reportgen.engine.pandas_engine import OTHER, arithmetic
from reportgen.engine.plan import Executor, SectionPlan, atom_id
from reportgen.model import expr as ex
from reportgen.model.semantic import Metric, Model


def run_section(model: Model, executor: Executor, plan: SectionPlan) -> pd.DataFrame:
    """Compute a section's result table: by-columns then metrics, in the spec's names."""
    atoms = executor.aggregate(plan.by, plan.atoms, plan.where)
    orders = {key.name: executor.categories(key, plan.atoms[0].over) for key in plan.by}
    table = _finish(model, plan, atoms, orders)
    if plan.top is not None and plan.by and table[plan.by[0].name].nunique() > plan.top:
        ranking = _ranking(table, plan)
        first = plan.by[0].name
        kept = list(dict.fromkeys(ranking[first].tolist()))[: plan.top]
        keep = (first, frozenset(str(v) for v in kept))
        atoms = executor.aggregate(plan.by, plan.atoms, plan.where, keep=keep)
        table = _finish(model, plan, atoms, orders)
        order = {str(v): i for i, v in enumerate(kept)}
        table = table.assign(_rank=table[first].map(lambda v: order.get(str(v), len(order))))
        if plan.sort:
            table = _sort(table, plan.sort, extra=["_rank"])
        table = table.sort_values("_rank", kind="stable").drop(columns="_rank")
        if not plan.other:
            table = table[table[first].astype(str) != OTHER]
        return table.reset_index(drop=True)
    return _ranking(table, plan).reset_index(drop=True)


def _ranking(table: pd.DataFrame, plan: SectionPlan) -> pd.DataFrame:
    return _sort(table, plan.sort) if plan.sort else table


def _sort(table: pd.DataFrame, sort: str, extra: list[str] | None = None) -> pd.DataFrame:
    descending = sort.startswith("-")
    column = sort.lstrip("-")
    return table.sort_values(column, ascending=not descending, kind="stable", na_position="last")


def _finish(
    model: Model, plan: SectionPlan, atoms: pd.DataFrame, orders: dict[str, list[str] | None]
) -> pd.DataFrame:
    names = [key.name for key in plan.by]
    table = atoms[names].copy() if names else pd.DataFrame(index=atoms.index)
    cache: dict[str, pd.Series] = {}
    for metric in plan.metrics:
        table[metric] = _metric_values(model, model.metrics[metric], atoms, cache, plan).to_numpy()
    return _natural_order(table, names, orders)


def _natural_order(
    table: pd.DataFrame, names: list[str], orders: dict[str, list[str] | None]
) -> pd.DataFrame:
    """Rows in group order: categories as declared (Other last), numbers ascending."""
    if not names or table.empty:
        return table
    keys = [_rank_key(table[name], orders.get(name)) for name in names]
    order = sorted(range(len(table)), key=lambda i: tuple(key[i] for key in keys))
    return table.iloc[order].reset_index(drop=True)


def _rank_key(column: pd.Series, categories: list[str] | None) -> list[tuple[int, float, str]]:
    position = {c: i for i, c in enumerate(categories or [])}
    keys = []
    for value in column.tolist():
        if value == OTHER:
            keys.append((2, 0.0, ""))
        elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
            value, bool
        ):
            keys.append((0, float(value), ""))
        else:
            keys.append((1, float(position.get(str(value), len(position))), str(value)))
    return keys


def _metric_values(
    model: Model,
    metric: Metric,
    atoms: pd.DataFrame,
    cache: dict[str, pd.Series],
    plan: SectionPlan,
) -> pd.Series:
    if metric.name in cache:
        return cache[metric.name]

    def value(node: ex.Node) -> Any:
        if isinstance(node, ex.Const):
            return node.value
        if isinstance(node, ex.Ref):
            return _metric_values(model, model.metrics[node.name], atoms, cache, plan)
        if isinstance(node, ex.Unary):
            return -value(node.operand)
        if isinstance(node, ex.Binary):
            left, right = value(node.left), value(node.right)
            return arithmetic(node.op, left, right)
        if isinstance(node, ex.Call) and node.func == "share":
            assert isinstance(node.args[0], ex.Ref)
            base = _metric_values(model, model.metrics[node.args[0].name], atoms, cache, plan)
            within = dict(node.keywords).get("within")
            if within is None:
                total = base.sum()
                return base / total if total else base * np.nan
            assert isinstance(within, ex.Ref)
            groups = atoms[within.name]
            return base / base.groupby(groups.to_numpy()).transform("sum")
        assert isinstance(node, ex.Call)
        atom = metric.atoms[node]
        column = atoms[atom_id(atom)]
        if atom.func in ("count", "count_distinct", "sum"):
            column = column.fillna(0)
        return (
            column.astype("float64")
            if atom.func not in ("count", "count_distinct")
            else column.astype("int64")
        )

    result = value(metric.formula)
    if not isinstance(result, pd.Series):
        result = pd.Series(np.full(len(atoms), result), index=atoms.index)
    cache[metric.name] = result
    return result
