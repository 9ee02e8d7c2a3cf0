"""Aggregate fields → one value per row of a table from the rows of a related table (max order
number per customer, mean item price per customer, "bought from department X").

Sums, counts and means are reduced through the first parent of the path (per order, then per
customer) or in one chunked scan; other reductions group the source rows directly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reportgen.engine import reductions
from reportgen.engine.scan import Lifted, ScanQuery, Scans
from reportgen.model import expr as ex
from reportgen.model.semantic import Atom
from reportgen.spec.models import AggregateField


class AggregateFields(Scans):
    """Per-entity aggregates of related tables."""

    reduce_first = True  # False: every aggregate groups the source rows (the plain way)

    def aggregate_field(self, name: str, spec_field: AggregateField) -> pd.Series:
        source = spec_field.over or (spec_field.of or "").split(".", 1)[0]
        reduced = self._through_parent(name, spec_field, source)
        if reduced is None:
            reduced = self._scanned(name, spec_field, source)
        if reduced is not None:
            return reductions.settle(reduced, spec_field.func)
        positions = self.path_positions(source, spec_field.on)
        mask = self.mask(source, skip_field=name) & (positions >= 0)
        if spec_field.where:
            mask &= self.lifted_condition(ex.parse(spec_field.where), source)
        values = None
        if spec_field.of:
            values = self.values(self.model.resolve(ex.parse(spec_field.of), source), source)  # type: ignore[arg-type]
        length = self.length(spec_field.on)
        if spec_field.func == "any":
            counts = np.bincount(positions[mask], minlength=length)
            return pd.Series(counts > 0)
        result = pd.Series(
            reductions.reduce_groups(spec_field.func, positions, mask, values, length)
        )
        return reductions.settle(result, spec_field.func)

    def _through_parent(
        self, name: str, spec_field: AggregateField, source: str
    ) -> pd.Series | None:
        """sum/mean/count per row of a table two or more steps up, from the per-parent partials
        of the first step (e.g. mean item price per customer from per-order sums), or None."""
        path = self.model.path(source, spec_field.on)
        if (
            not self.reduce_first
            or spec_field.func not in reductions.FROM_SUMS
            or spec_field.where
            or self.filters_use(name)
            or path is None
            or len(path) < 2
        ):
            return None
        value = None
        if spec_field.of:
            value = self.model.resolve(ex.parse(spec_field.of), source)  # type: ignore[arg-type]
        rows, counts, sums = self.partial_sums(Atom(spec_field.func, source, value), path[0])
        upward = self.path_positions(path[0].parent, spec_field.on)
        used = (rows > 0) & (upward >= 0)
        length = self.length(spec_field.on)
        targets = upward[used]

        def per_target(values: np.ndarray) -> np.ndarray:
            return np.bincount(targets, weights=values[used], minlength=length)

        rows_by = per_target(rows).astype("int64")
        counts_by = per_target(counts) if spec_field.func == "mean" else rows_by
        sums_by = per_target(sums) if spec_field.func != "count" else rows_by
        return pd.Series(reductions.from_sums(spec_field.func, rows_by, counts_by, sums_by))

    def _scanned(self, name: str, spec_field: AggregateField, source: str) -> pd.Series | None:
        """any/count/sum/mean per row of a table above ``source`` in one chunked pass (e.g.
        "bought from the babies department" per customer over the order lines), or None."""
        path = self.model.path(source, spec_field.on)
        if not self.reduce_first or spec_field.func not in ("any", *reductions.FROM_SUMS):
            return None
        if not path:
            return None
        where = ex.parse(spec_field.where) if spec_field.where else None
        conditions = self.lift_conditions(where, source)
        if conditions is None:
            return None
        relation = path[0]
        upward = None if len(path) == 1 else self.path_positions(relation.parent, spec_field.on)
        value = None
        if spec_field.of:
            resolved = self.model.resolve(ex.parse(spec_field.of), source)  # type: ignore[arg-type]
            value = self.lift_value(spec_field.func, resolved, source)
        length = self.length(spec_field.on)
        query = ScanQuery([(Lifted(relation, upward), length)], conditions, value, length)
        rows, counts, sums = self.scan(source, query, skip_field=name)
        if spec_field.func == "any":
            return pd.Series(rows > 0)
        return pd.Series(reductions.from_sums(spec_field.func, rows, counts, sums))
