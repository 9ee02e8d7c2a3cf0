"""Atom results → the section's tables: metric formulas, shares, declared categories, sorting,
top-N with its other bucket, and the total over all the section's rows.

Engine-neutral: it only calls ``Executor.aggregate``, so pandas and Dask results finish the same way.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from reportgen.engine.evaluate import arithmetic
from reportgen.engine.having import keep_having
from reportgen.engine.plan import NOT_STATED, OTHER, Executor, Keep, SectionPlan, atom_id
from reportgen.model import expr as ex
from reportgen.model.semantic import Metric, Model, all_atoms

OTHER_FALLBACK = "All others"  # the bucket's label when a real value is called "Other"


@dataclass(frozen=True)
class SectionResult:
    """A section's numbers.

    ``full``: every group, sorted as the section says (the CSV export; what narrative reads).
    ``shown``: the top-N plus the other bucket that the printed table and chart use (``full``
    when the section has no ``top``). ``total``: one row, every metric over all the section's
    rows (shares within a column left out), or None when no text refers to it.
    ``other_label``: the bucket's label in ``shown`` (None when there is no bucket).
    """

    full: pd.DataFrame
    shown: pd.DataFrame
    total: pd.DataFrame | None = None
    other_label: str | None = None

    def to_cache(self) -> dict[str, Any]:
        """Plain data for the results cache: frames, None and strings only."""
        return {
            "full": self.full,
            "shown": None if self.shown is self.full else self.shown,
            "total": self.total,
            "other_label": self.other_label,
        }

    @classmethod
    def from_cache(cls, data: Any) -> SectionResult | None:
        """The result ``to_cache`` stored, or None when ``data`` is not one (a cache miss)."""
        if not isinstance(data, dict) or not isinstance(data.get("full"), pd.DataFrame):
            return None
        shown, total, label = data.get("shown"), data.get("total"), data.get("other_label")
        if not all(isinstance(v, pd.DataFrame | None) for v in (shown, total)):
            return None
        if not isinstance(label, str | None):
            return None
        full = data["full"]
        return cls(full, shown if shown is not None else full, total, label)


def run_section(
    model: Model,
    executor: Executor,
    plan: SectionPlan,
    *,
    total: bool = False,
    full: pd.DataFrame | None = None,
) -> SectionResult:
    """Compute a section's tables: by-columns then metrics, in the spec's names.

    ``total``: also compute the total row (one more pass over the data). ``full``: the section's
    full table from an earlier run of the same query (any sort): the groups are ranked from it
    rather than aggregated again (the chart's own top-N of a long table).
    """
    names = [key.name for key in plan.by]
    orders = {key.name: executor.categories(key, plan.atoms[0].over) for key in plan.by}
    if full is None:
        atoms = _complete(model, plan, executor.aggregate(plan.by, plan.atoms, plan.where))
        table = keep_having(_finish(model, plan, atoms, orders), plan.having)
    else:
        table = _natural_order(full, names, orders)
    full = _ranking(table, plan)
    totals = _total(model, executor, plan) if total else None
    kept = _kept(full, plan)
    if kept is None:
        return SectionResult(full, full, totals)
    first = names[0]
    present = set(full[first].astype(str))
    values = [*kept, *([NOT_STATED] if NOT_STATED in present else [])]
    order = {str(v): i for i, v in enumerate(values)}
    if not plan.other or plan.having is not None:  # no bucket: the kept groups' rows
        # (with 'having', a bucket would hold the groups the result filter left out)
        shown = full[full[first].map(str).isin(order)]  # str of each value, as ``order`` has
        return SectionResult(full, _by_rank(shown, first, order), totals)
    label = other_label(full[first])
    keep = Keep(first, frozenset(order), label)
    atoms = executor.aggregate(plan.by, plan.atoms, plan.where, keep=keep)
    atoms = _complete(model, plan, atoms, keep)
    shown = _finish(model, plan, atoms, orders, label)
    if plan.sort:
        shown = _sort(shown, plan.sort, first)
    return SectionResult(full, _by_rank(shown, first, order), totals, label)


def _by_rank(table: pd.DataFrame, first: str, order: dict[str, int]) -> pd.DataFrame:
    """Rows by the rank of their first group value (the bucket last), stable within a group."""
    rank = table[first].map(lambda v: order.get(str(v), len(order)))
    return table.iloc[np.argsort(rank.to_numpy(), kind="stable")].reset_index(drop=True)


def other_label(values: pd.Series) -> str:
    """A label for the other bucket that no real value of the column has: "Other", else
    "All others", else "All others (2)" …"""
    taken = set(values.astype(str))
    numbered = (f"{OTHER_FALLBACK} ({n})" for n in itertools.count(2))
    return next(
        label for label in itertools.chain([OTHER, OTHER_FALLBACK], numbered) if label not in taken
    )


def _kept(full: pd.DataFrame, plan: SectionPlan) -> list[Any] | None:
    """The values of the first group column kept by top-N, in rank order (groups below the
    minimum support are not ranked; "Not stated" is kept apart), or None when nothing is
    left for an other bucket."""
    if plan.top is None or not plan.by:
        return None
    first = plan.by[0].name
    ranked = [v for v in dict.fromkeys(full[first].tolist()) if str(v) != NOT_STATED]
    supported = ranked
    if plan.min_support is not None:
        metric, at_least = plan.min_support
        sums = full.groupby(full[first].map(str), sort=False)[metric].sum(min_count=1)
        supported = [v for v in ranked if sums.get(str(v), np.nan) >= at_least]
    kept = supported[: plan.top]
    return kept if len(kept) < len(ranked) else None


def _total(model: Model, executor: Executor, plan: SectionPlan) -> pd.DataFrame:
    """One row: every metric over all the section's rows (no groups, no top), leaving out
    shares within a column, which have no total."""
    metrics = tuple(m for m in plan.metrics if model.no_total_reason(m) is None)
    atoms: dict[str, Any] = {}
    for metric in metrics:
        for atom in all_atoms(model, metric):
            atoms.setdefault(atom_id(atom), atom)
    if not atoms:
        return pd.DataFrame(index=pd.RangeIndex(1))
    whole = replace(plan, by=(), metrics=metrics, atoms=tuple(atoms.values()), sort=None, top=None)
    return _finish(model, whole, executor.aggregate((), whole.atoms, whole.where), {})


def _complete(
    model: Model, plan: SectionPlan, atoms: pd.DataFrame, keep: Keep | None = None
) -> pd.DataFrame:
    """Add the declared categories no row has: every declared level of each key, across the
    observed values of the undeclared keys (all declared: the full product). With ``keep``,
    only the kept levels of its column. Their atoms are missing; ``_metric_values`` counts
    them as 0 and leaves averages missing."""
    names = [key.name for key in plan.by]
    declared = {name: model.known_levels(name) for name in names}
    if not any(levels is not None for levels in declared.values()):
        return atoms
    if keep is not None and declared.get(keep.column) is not None:
        declared[keep.column] = [v for v in declared[keep.column] or [] if v in keep.values]
    levels = [
        pd.DataFrame({name: pd.Series(declared[name], dtype=object)})
        for name in names
        if declared[name] is not None
    ]
    undeclared = [name for name in names if declared[name] is None]
    if undeclared:
        levels.insert(0, atoms[undeclared].drop_duplicates().astype(object))
    wanted = levels[0]
    for more in levels[1:]:
        wanted = wanted.merge(more, how="cross")
    wanted = wanted[names]
    missing = wanted.merge(atoms[names].astype(object), how="left", on=names, indicator=True)
    missing = missing[missing["_merge"] == "left_only"].drop(columns="_merge")
    if missing.empty:
        return atoms
    return pd.concat([atoms, missing], ignore_index=True)


def _ranking(table: pd.DataFrame, plan: SectionPlan) -> pd.DataFrame:
    if not plan.sort:
        return table.reset_index(drop=True)
    first = plan.by[0].name if plan.by else None
    return _sort(table, plan.sort, first).reset_index(drop=True)


def _sort(table: pd.DataFrame, sort: str, first: str | None) -> pd.DataFrame:
    """Sorted by a column ('-name': descending); a "Not stated" group stays last."""
    descending = sort.startswith("-")
    column = sort.lstrip("-")
    ranked = table.sort_values(column, ascending=not descending, kind="stable", na_position="last")
    if first is None:
        return ranked
    unstated = ranked[first].astype(str) == NOT_STATED
    return pd.concat([ranked[~unstated], ranked[unstated]]) if unstated.any() else ranked


def _finish(
    model: Model,
    plan: SectionPlan,
    atoms: pd.DataFrame,
    orders: dict[str, list[str] | None],
    other: str | None = None,
) -> pd.DataFrame:
    names = [key.name for key in plan.by]
    table = atoms[names].copy() if names else pd.DataFrame(index=atoms.index)
    cache: dict[str, pd.Series] = {}
    for metric in plan.metrics:
        table[metric] = _metric_values(model, model.metrics[metric], atoms, cache, plan).to_numpy()
    return _natural_order(table, names, orders, other)


def _natural_order(
    table: pd.DataFrame,
    names: list[str],
    orders: dict[str, list[str] | None],
    other: str | None = None,
) -> pd.DataFrame:
    """Rows in group order: categories as declared, numbers ascending, then "Not stated", then
    the other bucket (a stable sort: rows that tie keep their order)."""
    if not names or table.empty:
        return table.reset_index(drop=True)
    keys = [key for name in names for key in _rank_keys(table[name], orders.get(name), other)]
    order = np.lexsort(keys[::-1])  # lexsort's last key is its first
    return table.iloc[order].reset_index(drop=True)


def _rank_keys(
    column: pd.Series, categories: list[str] | None, other: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three sort keys for a group column: its class (0 a number, 1 a text, 2 "Not stated",
    3 the other bucket), the number or the text's declared position, the text's rank."""
    rows = len(column)
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        numbers = column.to_numpy(dtype="float64", na_value=np.nan)
        return np.zeros(rows, np.int8), numbers, np.zeros(rows, np.int64)
    if isinstance(column.dtype, pd.StringDtype) or (
        isinstance(column.dtype, pd.CategoricalDtype)
        and pd.api.types.is_string_dtype(column.cat.categories)
    ):
        return _text_keys(column.astype("str"), categories, other)
    values = column.to_numpy(dtype=object)
    is_number = np.fromiter(
        (
            isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
            for v in values
        ),
        dtype=bool,
        count=rows,
    )
    texts = np.array([str(v) for v in values], dtype=object)
    kind = np.where(is_number, 0, 1).astype(np.int8)
    kind[~is_number & (texts == NOT_STATED)] = 2
    if other is not None:
        kind[~is_number & (values == other)] = 3
    position = {c: i for i, c in enumerate(categories or [])}
    declared = np.array([position.get(t, len(position)) for t in texts], dtype="float64")
    numbers = np.where(is_number, pd.to_numeric(pd.Series(np.where(is_number, values, 0))), 0.0)
    rank = np.where(kind == 1, pd.factorize(texts, sort=True)[0], 0)
    return kind, np.where(kind == 1, declared, np.where(kind == 0, numbers, 0.0)), rank


def _text_keys(
    texts: pd.Series, categories: list[str] | None, other: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_rank_keys`` of a column of texts, without a step per row."""
    kind = np.where(texts == NOT_STATED, 2, 1).astype(np.int8)
    if other is not None:
        kind[(texts == other).to_numpy()] = 3
    position = {c: i for i, c in enumerate(categories or [])}
    declared = texts.map(position).fillna(len(position)).to_numpy(dtype="float64")
    rank = pd.factorize(texts, sort=True)[0]
    text = kind == 1
    return kind, np.where(text, declared, 0.0), np.where(text, rank, 0)


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
