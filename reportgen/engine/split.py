"""One pass for every value of a batch parameter → each value's aggregations.

When the reports of a batch differ only by one global filter ``column == value`` (the shipped
``region == 'South'``), an aggregation for every value is the same aggregation grouped by
``column`` as one more key, computed once over the rows without that filter and then split.
``SplitExecutor`` answers one value's ``aggregate`` that way and asks its own executor (the
value's model, its masks) everything else; atoms over tables that do not reach the filtered
table are not filtered by it, so they are computed once, as they are.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from reportgen.engine.groups import combine_atoms
from reportgen.engine.plan import Executor, GroupKey, Keep, RowFlags
from reportgen.engine.rows import RowIndex, exclusion_steps
from reportgen.model import expr as ex
from reportgen.model.semantic import Atom, Model, Relation

PARAM_KEY = "\x00param"  # the extra group column's name: no spec name can clash with it


class SharedPass:
    """Aggregations over the rows of every value (``base``: the model without the value's
    filter), grouped by ``column`` besides their own keys; each computed once."""

    def __init__(self, base: Executor, column: str, table: str) -> None:
        self.base = base
        self.column = column
        self.key = GroupKey(PARAM_KEY, column)
        self.table = table
        self.frames: dict[Any, pd.DataFrame] = {}
        self.excluded: dict[str, tuple[np.ndarray, dict[str, int], int] | None] = {}

    def reaches(self, scope: str) -> bool:
        """Whether rows of ``scope`` are filtered by the value (they reach its table)."""
        return self.table in self.base.model.reachable(scope)

    def aggregate(
        self,
        by: tuple[GroupKey, ...],
        atoms: tuple[Atom, ...],
        where: ex.Node | None,
        keep: Keep | None,
        value: str,
    ) -> pd.DataFrame:
        frames = []
        for atom in atoms:
            if self.reaches(atom.over):
                keys = (self.key, *by)
                full = self._once(("split", by, atom, where, keep), keys, atom, where, keep)
                chosen = full[PARAM_KEY].astype(str) == value
                frames.append(full[chosen].drop(columns=PARAM_KEY).reset_index(drop=True))
            else:
                frames.append(self._once(("plain", by, atom, where, keep), by, atom, where, keep))
        return combine_atoms(by, frames)

    def excluded_by_step(self, table: str, value: str) -> list[int] | None:
        """One value's rows of ``table`` excluded at each exclusion step, from a count over the
        rows of every value, once per table (None where the value's own executor is to count
        them: the filtered table itself, or more than one relation leading to it).

        The value's masks are the pass's masks and "its row of the filtered table has the
        value": a row whose value differs is excluded at the step of the relation leading
        there, unless an earlier step excluded it; the others fall where they fall without
        the filter."""
        found = self._by_value(table)
        if found is None:
            return None
        counts, codes, reaching = found
        at = codes.get(value)
        mine = counts[at] if at is not None else np.zeros(counts.shape[1], dtype=np.int64)
        others = counts.sum(axis=0) - mine
        steps = mine.copy()
        steps[:reaching] += others[:reaching]  # excluded before the value matters
        steps[reaching] += others[reaching:].sum()  # other values' rows, from here on
        return [int(n) for n in steps[:-1]]  # the last column: rows kept

    def _by_value(self, table: str) -> tuple[np.ndarray, dict[str, int], int] | None:
        """Rows of ``table`` per value (rows) and first exclusion step without the value's
        filter (columns, the last for rows kept); the values' rows; the step of the relation
        that leads to the filtered table."""
        if table not in self.excluded:
            self.excluded[table] = self._count_by_value(table)
        return self.excluded[table]

    def _count_by_value(self, table: str) -> tuple[np.ndarray, dict[str, int], int] | None:
        base, model = self.base, self.base.model
        if table == self.table or not isinstance(base, RowIndex):
            return None
        steps = exclusion_steps(model, table)
        leading = [
            index
            for index, (kind, what) in enumerate(steps)
            if kind == "excluded"
            and isinstance(what, Relation)
            and self.table in model.reachable(what.parent)
        ]
        if len(leading) != 1:
            return None
        labels = base.evaluate(ex.parse(self.column), self.table).astype("string")
        codes, uniques = pd.factorize(labels, use_na_sentinel=True)
        # Each row's value as a number (0: none, or no row there), carried down the relation
        # path to the parent of ``table`` one table at a time (a -1 position reads the
        # appended 0). The rows of ``table`` itself (32 M order lines) get no value each: the
        # excluded ones are looked up, and all are counted per parent row.
        first, *rest = model.path(table, self.table) or []
        by_row = codes.astype(np.int32) + 1
        for relation in reversed(rest):
            by_row = np.append(by_row, np.int32(0))[base.positions(relation)]
        rows, at = base.first_exclusions(table)
        width, kept = len(steps) + 1, len(steps)
        values = len(uniques) + 1
        mine = np.append(by_row, np.int32(0))[base.positions_at(first, rows)]
        excluded = np.bincount(mine * width + at, minlength=values * width)
        counts = excluded.reshape(values, width)
        per_parent = base.rows_per_parent(first)  # [no parent, parent row 0, 1, ...]
        per_value = np.bincount(np.insert(by_row, 0, 0), weights=per_parent, minlength=values)
        counts[:, kept] = per_value.round().astype(np.int64) - counts.sum(axis=1)
        found = {str(u): index + 1 for index, u in enumerate(uniques)}
        return counts, found, leading[0]

    def _once(
        self,
        key: Any,
        by: tuple[GroupKey, ...],
        atom: Atom,
        where: ex.Node | None,
        keep: Keep | None,
    ) -> pd.DataFrame:
        """One atom's result grouped by ``by``, computed the first time it is asked for."""
        if key not in self.frames:
            self.frames[key] = self.base.aggregate(by, (atom,), where, keep)
        return self.frames[key]


class SplitExecutor:
    """One value's executor: aggregations from the shared pass, the rest from ``own``."""

    def __init__(self, own: Executor, shared: SharedPass, value: str) -> None:
        self.own, self.shared, self.value = own, shared, value
        self.model: Model = own.model
        self.aggregated = 0

    @property
    def orphans(self) -> dict[str, list[tuple[Relation, int]]]:
        return self.own.orphans

    def aggregate(
        self,
        by: tuple[GroupKey, ...],
        atoms: tuple[Atom, ...],
        where: ex.Node | None,
        keep: Keep | None = None,
    ) -> pd.DataFrame:
        self.aggregated += len(atoms)
        return self.shared.aggregate(by, atoms, where, keep, self.value)

    def categories(self, key: GroupKey, scope: str) -> list[str] | None:
        return self.shared.base.categories(key, scope)  # declared orders: the same rows' dtypes

    def distinct(self, key: GroupKey, table: str) -> list[Any]:
        return self.own.distinct(key, table)

    def length(self, table: str) -> int:
        return self.own.length(table)

    def valid(self, table: str) -> RowFlags:
        return self.own.valid(table)

    def mask(self, table: str) -> RowFlags:
        return self.own.mask(table)

    def condition(self, node: ex.Node, scope: str) -> RowFlags:
        return self.own.condition(node, scope)

    def excluded_by_step(self, table: str) -> list[int]:
        shared = self.shared.excluded_by_step(table, self.value)
        return shared if shared is not None else self.own.excluded_by_step(table)

    def declared_counts(self, name: str) -> dict[str, dict[str, int]] | None:
        return self.own.declared_counts(name)

    def close(self) -> None:
        """The executors are the batch's to close."""
