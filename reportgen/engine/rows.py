"""Loaded frames + relations → row positions, valid rows and filter masks, per table.

Keys become row positions in the parent (one array lookup per relation); a row is valid when
every relation resolves, recursively; a table's mask adds the global filters on it and on the
tables it reaches. Computed once per run and shared by every section.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from reportgen.engine.evaluate import Evaluator
from reportgen.engine.lookups import follow, lookup, take
from reportgen.errors import DataError
from reportgen.model import expr as ex
from reportgen.model.semantic import Model, Relation, Resolved

LONG_ROWS = 5_000_000  # tables longer than this: per-row arrays are recomputed rather than kept


def exclusion_steps(model: Model, table: str) -> list[tuple[str, Relation | str]]:
    """Why a loaded row of ``table`` is left out, in the order rows are attributed: its parent
    is missing (``("missing", relation)`` per relation), a global filter on the table fails
    (``("filter", name)``), its parent row was excluded (``("excluded", relation)``)."""
    parents = model.parents(table)
    return [
        *(("missing", relation) for relation in parents),
        *(("filter", name) for name, f in model.spec.filters.items() if f.on == table),
        *(("excluded", relation) for relation in parents),
    ]


class RowIndex(Evaluator):
    """Positions, validity and masks over loaded frames (one instance per run: it caches)."""

    def __init__(self, model: Model, frames: Mapping[str, pd.DataFrame]) -> None:
        self.model = model
        self.frames = dict(frames)
        for relation in model.relations:
            child = self.frames.get(relation.child)
            if (
                child is not None
                and relation.parent in self.frames
                and len(child) > LONG_ROWS
                and not self._in_key_order(relation.parent)  # checked first: the short table
                and child[relation.column].is_monotonic_increasing
            ):
                self._sort_by_key(relation.parent)
        self._positions: dict[tuple[str, str], np.ndarray] = {}
        self._paths: dict[tuple[str, str], np.ndarray] = {}
        self._valid: dict[str, np.ndarray] = {}
        self._masks: dict[tuple[str, frozenset[str]], np.ndarray] = {}
        self.orphans: dict[str, list[tuple[Relation, int]]] = {}
        self._filter_fields = {
            name: self._fields_behind(refs) for name, refs in model.filter_refs.items()
        }

    def adopt(self, state: dict[str, Any]) -> None:
        """Share row-level results (positions, paths, validity, masks) kept in ``state`` with
        other instances over the same rows (Dask: the tasks of a run on one partition)."""
        self._positions = state.setdefault("positions", {})
        self._paths = state.setdefault("paths", {})
        self._valid = state.setdefault("valid", {})
        self._masks = state.setdefault("masks", {})
        self.orphans = state.setdefault("orphans", {})

    def _sort_by_key(self, table: str) -> None:
        """Put a parent table in key order when its long child table is: the lines' positions
        in it then rise, and every lookup and sum through them walks memory in order (order
        lines are sorted by order id, orders by customer; in key order, a pass over the lines
        is several times faster). Results do not depend on row order."""
        key = self.model.key_of(table)
        frame = self.frames[table]
        if key is None:
            return
        keys = frame[key].to_numpy()
        order = None
        if keys.dtype.kind in "iu" and len(keys) and keys.min() >= 0 and keys.max() < 4 * len(keys):
            # Dense unique integer keys: a counting sort, linear instead of n log n.
            slots = np.full(int(keys.max()) + 1, -1, dtype="int64")
            slots[keys] = np.arange(len(keys))
            order = slots[slots >= 0]
        if order is None or len(order) != len(keys):  # duplicate or sparse keys
            order = np.argsort(keys, kind="stable")
        self.frames[table] = frame.take(order).reset_index(drop=True)

    def _in_key_order(self, table: str) -> bool:
        """Whether ``table`` has no key or is in key order (a batch's executors share frames
        the first one sorted)."""
        key = self.model.key_of(table)
        return key is None or bool(self.frames[table][key].is_monotonic_increasing)

    def _fields_behind(self, refs: list[Resolved]) -> set[str]:
        found: set[str] = set()
        for ref in refs:
            if ref.is_field and ref.name not in found:
                found.add(ref.name)
                found |= self._fields_behind(self.model.field_refs.get(ref.name, []))
        return found

    # ---- keys and paths -------------------------------------------------------------------
    def length(self, table: str) -> int:
        return len(self.frames[table])

    def positions(self, relation: Relation) -> np.ndarray:
        """Row positions in the parent for each child row (-1 when the parent row is missing)."""
        cache_key = (relation.child, relation.column)
        if cache_key not in self._positions:
            parent_key = self.model.key_of(relation.parent)
            assert parent_key is not None
            keys = self.frames[relation.parent][parent_key]
            foreign = self.frames[relation.child][relation.column]
            self._positions[cache_key] = lookup(keys, foreign)
        return self._positions[cache_key]

    def forget_positions(self, relation: Relation) -> None:
        """Release the kept positions of a long child table (rebuilt on demand)."""
        self._positions.pop((relation.child, relation.column), None)

    def rows_per_parent(self, relation: Relation) -> np.ndarray:
        """How many rows of the child table have each parent row: ``[no parent row, parent
        row 0, 1, ...]``. When the child's column and the parent's key are both in order (the
        order lines and the orders), by a binary search per parent row instead of a pass over
        the child's positions."""
        child = self.frames[relation.child][relation.column]
        parent_key = self.model.key_of(relation.parent)
        assert parent_key is not None
        keys = self.frames[relation.parent][parent_key]
        if (
            pd.api.types.is_integer_dtype(child.dtype)
            and pd.api.types.is_integer_dtype(keys.dtype)
            and not child.hasnans
            and not keys.hasnans
            and child.is_monotonic_increasing
        ):
            column, wanted = child.to_numpy(), keys.to_numpy()
            if bool((wanted[1:] > wanted[:-1]).all()):  # keys in order, each once
                found = np.searchsorted(column, wanted, "right") - np.searchsorted(column, wanted)
                return np.insert(found, 0, len(column) - int(found.sum()))
        return np.bincount(self.positions(relation) + 1, minlength=len(keys) + 1)

    def positions_at(self, relation: Relation, rows: np.ndarray) -> np.ndarray:
        """``positions(relation)[rows]`` without rebuilding the positions of every row of a long
        table whose positions were released (only ``rows`` are looked up). When ``rows`` are
        a large part of the table (a batch's report on one region excludes the other regions'
        lines), the positions of every row are built once and kept: executors sharing them
        (``adopt``) then look nothing up again."""
        cache_key = (relation.child, relation.column)
        if cache_key in self._positions or len(rows) * 4 > self.length(relation.child):
            return self.positions(relation)[rows]
        parent_key = self.model.key_of(relation.parent)
        assert parent_key is not None
        keys = self.frames[relation.parent][parent_key]
        return lookup(keys, self.frames[relation.child][relation.column].iloc[rows])

    def path_positions(self, source: str, target: str) -> np.ndarray:
        """Row positions in ``target`` for each row of ``source`` along the relation path."""
        if (source, target) in self._paths:
            return self._paths[(source, target)]
        path = self.model.path(source, target)
        if path is None:
            msg = f"no relation path from '{source}' to '{target}'"
            raise DataError(msg, table=source)
        # Compose from the far end: the tail is built on the shorter parent tables, and the
        # long source table is gathered once.
        if not path:
            positions = np.arange(self.length(source))
        else:
            positions = self.positions(path[-1])
            for relation in reversed(path[:-1]):
                positions = follow(self.positions(relation), positions)
        self._paths[(source, target)] = positions
        return positions

    def valid(self, table: str) -> np.ndarray:
        """Rows whose every relation resolves (recursively): orphans are excluded everywhere."""
        if table not in self._valid:
            mask = np.ones(self.length(table), dtype=bool)
            orphans = []
            for relation in self.model.parents(table):
                positions = self.positions(relation)
                found = positions >= 0
                orphans.append((relation, int(len(found) - np.count_nonzero(found))))
                mask &= found
                # A missing parent (-1) reads the last parent row; ``found`` already excludes it.
                mask &= self.valid(relation.parent)[positions]
            self.orphans[table] = orphans
            self._valid[table] = mask
        return self._valid[table]

    def mask(self, table: str, skip_field: str | None = None) -> np.ndarray:
        """Valid rows of ``table`` that pass every global filter on it or on a table it reaches."""
        return self.filter_mask(table, self.skipped(skip_field))

    def skipped(self, skip_field: str | None) -> frozenset[str]:
        """The filters a field ``skip_field`` is computed or counted without: those that
        depend on it (a field a filter uses cannot be computed under that filter) and then
        also those on its table and the tables that table reaches. They choose which of its
        rows are used, not their values; the filter using the field decides on the values of
        rows they exclude too, so the data-quality steps name the filter that excludes each
        row in the order of the spec (a customer of another region in a region's report is
        excluded by the region, not as low-activity)."""
        using = frozenset(
            name for name, fields in self._filter_fields.items() if skip_field in fields
        )
        if not using or skip_field not in self.model.spec.fields:
            return using
        tables = self.model.reachable(self.model.spec.fields[skip_field].on)
        return using | {name for name, f in self.model.spec.filters.items() if f.on in tables}

    def filters_use(self, name: str) -> bool:
        """Whether a global filter depends on the field ``name``."""
        return any(name in fields for fields in self._filter_fields.values())

    def filter_mask(self, table: str, skipped: frozenset[str]) -> np.ndarray:
        """Built from the parents' masks, one lookup per relation: a filter on a table far up
        (customers) is decided on the short tables and reaches the long one in a single step."""
        cache_key = (table, skipped)
        if cache_key not in self._masks:
            mask = self.valid(table).copy()
            for name, spec_filter in self.model.spec.filters.items():
                if name not in skipped and spec_filter.on == table:
                    mask &= self.condition(ex.parse(spec_filter.where), table)
            for relation in self.model.parents(table):
                parent_mask = self.filter_mask(relation.parent, skipped)
                if not parent_mask.all():
                    # Rows without a parent (-1) are already false in ``valid``.
                    mask &= parent_mask[self.positions(relation)]
            self._masks[cache_key] = mask
        return self._masks[cache_key]

    def excluded_by_step(self, table: str) -> list[int]:
        """Rows of ``table`` excluded at each of :func:`exclusion_steps`, each row counted at
        the first step that applies: the loaded rows minus these are exactly ``mask(table)``."""
        _, steps = self.first_exclusions(table)
        count = len(exclusion_steps(self.model, table))
        return [int(n) for n in np.bincount(steps, minlength=count)]

    def first_exclusions(self, table: str) -> tuple[np.ndarray, np.ndarray]:
        """The rows of ``table`` outside ``mask(table)`` and, for each, the index of the first
        of :func:`exclusion_steps` that applies to it.

        Only the excluded rows are looked at (a few per cent of the order lines), so this costs
        one pass over the table's mask."""
        rows = np.flatnonzero(~self.mask(table))
        left = np.ones(len(rows), dtype=bool)
        first = np.zeros(len(rows), dtype=np.int64)
        found: dict[Relation, np.ndarray] = {}
        for index, (kind, what) in enumerate(exclusion_steps(self.model, table)):
            if isinstance(what, Relation) and what not in found:
                found[what] = self.positions_at(what, rows)
            if kind == "missing":
                assert isinstance(what, Relation)
                out = left & (found[what] < 0)
            elif kind == "filter":
                where = self.model.spec.filters[str(what)].where
                out = left & ~self.condition(ex.parse(where), table)[rows]
            else:  # the parent row is there but was excluded (rows left have a parent)
                assert isinstance(what, Relation)
                parent = self.filter_mask(what.parent, frozenset())
                out = left & ~parent[np.where(left, found[what], 0)]
            first[out] = index
            left &= ~out
        assert not left.any()  # every row outside the mask fails one step
        return rows, first

    # ---- values ---------------------------------------------------------------------------
    def field(self, name: str) -> pd.Series:
        """A derived field's values for every row of its table."""
        raise NotImplementedError

    def values(self, resolved: Resolved, scope: str) -> pd.Series:
        base = (
            self.field(resolved.name)
            if resolved.is_field
            else self.frames[resolved.table][resolved.name]
        )
        if resolved.table == scope:
            return base.reset_index(drop=True)
        return take(base, self.path_positions(scope, resolved.table))
