"""Loaded frames + a plan → aggregated atoms, on pandas/numpy without the giant merge.

The thin executor over the engine-neutral layer: rows and masks (``rows``), expressions
(``evaluate``), fields (``fields``, ``aggregate_fields``), chunked scans on every core (``scan``),
group codes (``groups``) and reductions (``reductions``). An atom over a fact table is summed per
parent row first when its keys live there, else scanned once with each key read where it lives,
else grouped row by row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from reportgen.engine import reductions
from reportgen.engine.aggregate_fields import AggregateFields
from reportgen.engine.groups import (
    combine_atoms,
    factorize,
    narrow,
    result_frame,
    size_of,
    stated,
)
from reportgen.engine.lookups import follow
from reportgen.engine.plan import GroupKey, Keep
from reportgen.engine.rows import LONG_ROWS
from reportgen.engine.scan import Lifted, ScanQuery
from reportgen.model import expr as ex
from reportgen.model.semantic import Atom, Model, Relation


class PandasExecutor(AggregateFields):
    """Runs plans on loaded pandas frames (one instance per run: it caches what it derives)."""

    def __init__(
        self, model: Model, frames: Mapping[str, pd.DataFrame], *, reduce_first: bool = True
    ) -> None:
        super().__init__(model, frames)
        self.reduce_first = reduce_first
        self.aggregated = 0  # atoms computed so far (tests count the work a run does)
        self._group_cache: dict[Any, tuple[np.ndarray, list[list[Any]]]] = {}

    def close(self) -> None:
        """Nothing to release (the frames go with the executor)."""

    def aggregate(
        self,
        by: tuple[GroupKey, ...],
        atoms: tuple[Atom, ...],
        where: ex.Node | None,
        keep: Keep | None = None,
    ) -> pd.DataFrame:
        return combine_atoms(by, [self.aggregate_atom(by, atom, where, keep) for atom in atoms])

    def aggregate_atom(
        self,
        by: tuple[GroupKey, ...],
        atom: Atom,
        where: ex.Node | None,
        keep: Keep | None,
    ) -> pd.DataFrame:
        """One atom's result frame (see ``plan.Executor.aggregate``)."""
        self.aggregated += 1
        if self.reduce_first:
            pivot = self._pivot(by, atom, where)
            if pivot is not None:
                return self._aggregate_reduced(by, atom, where, keep, pivot)
            scanned = self._aggregate_scanned(by, atom, where, keep)
            if scanned is not None:
                return scanned
        scope = atom.over
        mask = self.mask(scope).copy()
        for node in (where, atom.where):
            if node is not None:
                mask &= self.lifted_condition(node, scope)
        codes, levels = self._group_codes(by, scope, keep)
        mask &= codes >= 0
        size = size_of(levels)
        values = self.values(atom.value, scope) if atom.value is not None else None
        present = np.bincount(codes[mask], minlength=size) > 0
        reduced = reductions.reduce_groups(atom.func, codes, mask, values, size)
        return result_frame(by, levels, atom, present, reduced)

    # ---- reduce the fact table first -------------------------------------------------------
    def _pivot(self, by: tuple[GroupKey, ...], atom: Atom, where: ex.Node | None) -> Any:
        """The parent relation whose rows every group key and condition of the atom lives on.

        An atom over a fact table (order lines) grouped by columns of a parent (orders, and the
        tables above it) can be summed per parent row first, once per run, and then grouped
        over the much shorter parent table. Returns None when that does not apply.
        """
        if atom.func not in reductions.FROM_SUMS:
            return None
        scope = atom.over
        refs = [ex.parse(key.text) for key in by]
        for node in (where, atom.where):
            if node is not None:
                refs.extend(ex.refs(node))
        for relation in self.model.parents(scope):
            if all(self.lives_on(ref, scope, relation) for ref in refs):
                return relation
        return None

    def _aggregate_reduced(
        self,
        by: tuple[GroupKey, ...],
        atom: Atom,
        where: ex.Node | None,
        keep: Keep | None,
        relation: Relation,
    ) -> pd.DataFrame:
        parent = relation.parent
        rows, counts, sums = self.partial_sums(atom, relation)
        mask = rows > 0
        for node in (where, atom.where):
            if node is not None:
                mask &= self.cached_condition(node, parent)
        codes, levels = self._group_codes(by, parent, keep)
        mask &= codes >= 0
        size = size_of(levels)
        kept = codes[mask]

        def per_group(values: np.ndarray) -> np.ndarray:
            return np.bincount(kept, weights=values[mask], minlength=size)

        rows_by = per_group(rows)  # every kept parent row has rows > 0: also says "present"
        counts_by = per_group(counts) if atom.func == "mean" else rows_by
        sums_by = per_group(sums) if atom.func != "count" else rows_by
        reduced = reductions.from_sums(atom.func, rows_by, counts_by, sums_by)
        return result_frame(by, levels, atom, rows_by > 0, reduced)

    def _aggregate_scanned(
        self,
        by: tuple[GroupKey, ...],
        atom: Atom,
        where: ex.Node | None,
        keep: Keep | None,
    ) -> pd.DataFrame | None:
        """An atom whose group keys live on different parents (customer profile × department of
        order lines): one chunked pass, each key looked up on its own parent. None when a key or
        a condition does not live on a single table next to the scope."""
        if atom.func not in reductions.FROM_SUMS or not self.model.parents(atom.over):
            return None
        scope = atom.over
        dims: list[tuple[Lifted, int]] = []
        levels: list[list[Any]] = []
        for key in by:
            home = self.home(ex.parse(key.text), scope)
            if home is None:
                return None
            table, relation = home
            key_codes, uniques = self._key_levels(key, table, keep)
            dims.append((Lifted(relation, key_codes), max(len(uniques), 1)))
            levels.append(uniques)
        conditions = self.lift_conditions(where, scope)
        own = self.lift_conditions(atom.where, scope)
        if conditions is None or own is None:
            return None
        value = self.lift_value(atom.func, atom.value, scope) if atom.value is not None else None
        size = size_of(levels)
        query = ScanQuery(dims, conditions + own, value, size)
        rows, counts, sums = self.scan(scope, query)
        reduced = reductions.from_sums(atom.func, rows, counts, sums)
        return result_frame(by, levels, atom, rows > 0, reduced)

    # ---- group codes ------------------------------------------------------------------------
    def _key_codes(self, key: GroupKey, scope: str) -> tuple[np.ndarray, list[Any]]:
        resolved = self.model.resolve(ex.parse(key.text), scope)  # type: ignore[arg-type]
        if resolved.table != scope:
            base = (
                self.field(resolved.name)
                if resolved.is_field
                else self.frames[resolved.table][resolved.name]
            )
            if isinstance(base.dtype, pd.CategoricalDtype):
                # Categories do not change under a lookup: gather the small table's codes.
                codes = narrow(base.cat.codes.to_numpy(), len(base.cat.categories))
                positions = self.path_positions(scope, resolved.table)
                return follow(positions, codes), list(base.cat.categories)
        return factorize(self.values(resolved, scope))

    def _key_levels(
        self, key: GroupKey, table: str, keep: Keep | None
    ) -> tuple[np.ndarray, list[Any]]:
        """One group key's codes on ``table`` and its levels, as the result shows them."""
        key_codes, uniques = self._key_codes(key, table)
        return stated(key, key_codes, uniques, keep)

    def _group_codes(
        self, by: tuple[GroupKey, ...], scope: str, keep: Keep | None
    ) -> tuple[np.ndarray, list[list[Any]]]:
        """Combined integer group codes for every row of ``scope`` (-1: a key is missing)."""
        cache_key = (tuple(key.text for key in by), scope, keep)
        if cache_key in self._group_cache:
            return self._group_cache[cache_key]
        cacheable = self.length(scope) <= LONG_ROWS  # longer: recompute rather than keep
        codes = np.zeros(self.length(scope), dtype="int64")
        missing = np.zeros(self.length(scope), dtype=bool)
        levels: list[list[Any]] = []
        for key in by:
            key_codes, uniques = self._key_levels(key, scope, keep)
            missing |= key_codes < 0
            codes = codes * max(len(uniques), 1) + key_codes
            levels.append(list(uniques))
        codes[missing] = -1
        codes = narrow(codes, size_of(levels))  # a few MB per grouping of the orders
        if cacheable:
            self._group_cache[cache_key] = (codes, levels)
        return codes, levels
