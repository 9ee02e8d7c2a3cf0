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

import pandas as pd

from reportgen.engine.groups import combine_atoms
from reportgen.engine.plan import Executor, GroupKey, Keep, RowFlags
from reportgen.model import expr as ex
from reportgen.model.semantic import Atom, Model, Relation

PARAM_KEY = "\x00param"  # the extra group column's name: no spec name can clash with it


class SharedPass:
    """Aggregations over the rows of every value (``base``: the model without the value's
    filter), grouped by ``column`` besides their own keys; each computed once."""

    def __init__(self, base: Executor, column: str, table: str) -> None:
        self.base = base
        self.key = GroupKey(PARAM_KEY, column)
        self.table = table
        self.frames: dict[Any, pd.DataFrame] = {}

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

    def length(self, table: str) -> int:
        return self.own.length(table)

    def valid(self, table: str) -> RowFlags:
        return self.own.valid(table)

    def mask(self, table: str) -> RowFlags:
        return self.own.mask(table)

    def condition(self, node: ex.Node, scope: str) -> RowFlags:
        return self.own.condition(node, scope)

    def excluded_by_step(self, table: str) -> list[int]:
        return self.own.excluded_by_step(table)

    def declared_counts(self, name: str) -> dict[str, dict[str, int]] | None:
        return self.own.declared_counts(name)

    def close(self) -> None:
        """The executors are the batch's to close."""
