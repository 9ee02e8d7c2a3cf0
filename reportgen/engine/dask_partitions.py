"""One partition of a fact table + broadcast dimension arrays → per-group partials, on a Dask
worker; and the merges that combine two partitions' partials.

Each partition runs the pandas executor's own row logic (key lookups, validity, filter masks,
expressions) through ``PartitionExecutor``, whose lookups into the dimension tables read the
arrays the client broadcast (``Lookups``), and reduces its rows with ``engine.reductions``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from reportgen.engine.groups import codes_in
from reportgen.engine.lookups import follow, lookup, take
from reportgen.engine.pandas_engine import PandasExecutor
from reportgen.engine.plan import GroupKey, atom_id
from reportgen.engine.reductions import merge, partial
from reportgen.errors import DataError
from reportgen.model import expr as ex
from reportgen.model.semantic import Atom, Model, Relation, Resolved
from reportgen.spec.models import AggregateField


# ---- per-partition row logic ------------------------------------------------------------------
class Lookups:
    """The dimension arrays a fact partition reads, by key.

    On the client it computes what is asked for from the dimension executor and remembers the
    keys (a dry run on a sample); on a worker it holds exactly those arrays, broadcast once.
    """

    def __init__(self, source: PandasExecutor | None, arrays: Mapping[str, Any] | None = None):
        self.source = source
        self.arrays: dict[str, Any] = dict(arrays or {})
        self.used: set[str] = set()

    def get(self, key: str, compute: Callable[[PandasExecutor], Any]) -> Any:
        self.used.add(key)
        if key not in self.arrays:
            if self.source is None:  # pragma: no cover - the dry run asks for the same keys
                msg = f"the Dask engine did not broadcast {key!r}"
                raise AssertionError(msg)
            self.arrays[key] = compute(self.source)
        return self.arrays[key]


# Per partition (by its Dask key), in each worker process: the key lookups, paths, validity and
# filter masks of its rows, shared by every task of a run on that partition (dropped by close()).
PARTITION_STATE: dict[str, dict[str, Any]] = {}


class PartitionExecutor(PandasExecutor):
    """The reference executor over one partition of a fact table and broadcast dimensions."""

    def __init__(
        self,
        model: Model,
        fact: str,
        frame: pd.DataFrame,
        lookups: Lookups,
        state: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(model, {fact: frame.reset_index(drop=True)})
        self.fact = fact
        self.lookups = lookups
        if state is not None:  # row-level results of earlier tasks on this partition
            self.adopt(state)

    def length(self, table: str) -> int:
        if table == self.fact:
            return len(self.frames[table])
        return int(self.lookups.get(f"length:{table}", lambda d: d.length(table)))

    def positions(self, relation: Relation) -> np.ndarray:
        if relation.child != self.fact:
            return np.asarray(
                self.lookups.get(f"positions:{relation}", lambda d: d.positions(relation))
            )
        cache_key = (relation.child, relation.column)
        if cache_key not in self._positions:
            foreign = self.frames[self.fact][relation.column]
            self._positions[cache_key] = lookup(self._parent_keys(relation), foreign)
        return self._positions[cache_key]

    def _parent_keys(self, relation: Relation) -> pd.Series:
        parent_key = self.model.key_of(relation.parent)
        assert parent_key is not None
        return self.lookups.get(  # type: ignore[no-any-return]
            f"keys:{relation.parent}", lambda d: d.frames[relation.parent][parent_key]
        )

    def path_positions(self, source: str, target: str) -> np.ndarray:
        if source != self.fact:
            return np.asarray(
                self.lookups.get(
                    f"path:{source}>{target}", lambda d: d.path_positions(source, target)
                )
            )
        if (source, target) not in self._paths:
            path = self.model.path(source, target)
            if path is None:
                msg = f"no relation path from '{source}' to '{target}'"
                raise DataError(msg, table=source)
            positions = np.arange(self.length(source))
            if path:
                # The rest of the path runs over the dimensions: one broadcast array.
                positions = self.positions(path[0])
                if len(path) > 1:
                    positions = follow(positions, self.path_positions(path[0].parent, target))
            self._paths[(source, target)] = positions
        return self._paths[(source, target)]

    def valid(self, table: str) -> np.ndarray:
        if table != self.fact:
            return np.asarray(self.lookups.get(f"valid:{table}", lambda d: d.valid(table)))
        return super().valid(table)

    def condition(self, node: ex.Node, scope: str) -> np.ndarray:
        if scope != self.fact:
            text = ex.to_text(node)
            return np.asarray(
                self.lookups.get(f"condition:{scope}:{text}", lambda d: d.condition(node, scope))
            )
        return super().condition(node, scope)

    def values(self, resolved: Resolved, scope: str) -> pd.Series:
        if resolved.table == self.fact:
            return super().values(resolved, scope)
        base = self.lookups.get(f"values:{resolved}", lambda d: d.values(resolved, resolved.table))
        if scope == resolved.table:
            return base  # type: ignore[no-any-return]
        return take(base, self.path_positions(scope, resolved.table))

    def aggregate_field(self, name: str, spec_field: AggregateField) -> pd.Series:
        msg = f"field '{name}': an aggregate field on a fact table is not supported on Dask"
        raise DataError(msg, table=spec_field.on)


def key_series(executor: PandasExecutor, fact: str, key: GroupKey) -> pd.Series:
    return executor.values(executor.model.resolve(ex.parse(key.text), fact), fact)  # type: ignore[arg-type]


@dataclass(frozen=True)
class AtomsTask:
    """Per-group partials of atoms over one fact table.

    ``levels`` are every value of each group column (codes index them); ``remaps`` map those
    codes (and -1, a missing value, last) to "Not stated" and to the kept values plus the other
    label (top-N), so that every reduction stays exact.
    """

    by: tuple[GroupKey, ...]
    levels: tuple[tuple[Any, ...], ...]
    remaps: tuple[tuple[int, ...] | None, ...]
    widths: tuple[int, ...]
    size: int
    atoms: tuple[Atom, ...]
    where: ex.Node | None

    def run(self, executor: PartitionExecutor) -> dict[str, Any]:
        fact = executor.fact
        codes = np.zeros(executor.length(fact), dtype="int64")
        keys_ok = np.ones(executor.length(fact), dtype=bool)
        keys = zip(self.by, self.levels, self.remaps, self.widths, strict=True)
        for key, level, remap, width in keys:
            key_codes = codes_in(key_series(executor, fact, key), list(level))
            if remap is not None:
                key_codes = np.asarray(remap, dtype="int64")[key_codes]
            keys_ok &= key_codes >= 0
            codes = codes * max(width, 1) + key_codes
        base = executor.mask(fact)
        if self.where is not None:
            base = base & executor.condition(self.where, fact)
        partials: dict[str, Any] = {}
        for atom in self.atoms:
            mask = base & keys_ok
            if atom.where is not None:
                mask = mask & executor.condition(atom.where, fact)
            values = executor.values(atom.value, fact) if atom.value is not None else None
            rows = np.bincount(codes[mask], minlength=self.size)
            partials[atom_id(atom)] = (rows, partial(atom.func, codes, mask, values, self.size))
        return partials


@dataclass(frozen=True)
class FieldTask:
    """Per-row partials of an aggregate field over a fact table."""

    name: str
    size: int

    def run(self, executor: PartitionExecutor) -> Any:
        spec_field = executor.model.spec.fields[self.name]
        assert isinstance(spec_field, AggregateField)
        source = executor.fact
        positions = executor.path_positions(source, spec_field.on)
        mask = executor.mask(source, skip_field=self.name) & (positions >= 0)
        if spec_field.where:
            mask = mask & executor.condition(ex.parse(spec_field.where), source)
        values = None
        if spec_field.of:
            ref = executor.model.resolve(ex.parse(spec_field.of), source)  # type: ignore[arg-type]
            values = executor.values(ref, source)
        func = "count" if spec_field.func == "any" else spec_field.func
        return partial(func, positions, mask, values, self.size)


@dataclass(frozen=True)
class RowsTask:
    """One boolean per row: ``valid``, ``mask`` or a ``condition``; or the orphan counts, or
    the rows excluded at each step (``steps``)."""

    kind: str
    node: ex.Node | None = None

    def run(self, executor: PartitionExecutor) -> Any:
        fact = executor.fact
        if self.kind == "orphans":
            executor.valid(fact)
            return np.array([count for _, count in executor.orphans[fact]], dtype="int64")
        if self.kind == "steps":
            return np.array(executor.excluded_by_step(fact), dtype="int64")
        if self.kind == "valid":
            return executor.valid(fact)
        if self.kind == "mask":
            return executor.mask(fact)
        assert self.node is not None
        return executor.condition(self.node, fact)


@dataclass(frozen=True)
class LevelsTask:
    """The distinct values of a group column held on the fact table itself (``valid``: on
    its valid rows only)."""

    key: GroupKey
    valid: bool = False

    def run(self, executor: PartitionExecutor) -> Any:
        series = key_series(executor, executor.fact, self.key)
        if self.valid:
            series = series[executor.valid(executor.fact)]
        return pd.Series(series.dropna().unique())


def run_partition(
    frame: pd.DataFrame, model: Model, fact: str, arrays: dict[str, Any], task: Any, key: str
) -> Any:
    state = PARTITION_STATE.setdefault(key, {})
    return task.run(PartitionExecutor(model, fact, frame, Lookups(None, arrays), state))


def forget_partitions(keys: list[str]) -> None:
    for key in keys:
        PARTITION_STATE.pop(key, None)


# ---- merging partials ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Merge:
    """``merge`` for one reduction, as a picklable callable."""

    func: str

    def __call__(self, left: Any, right: Any) -> Any:
        return merge(self.func, left, right)


@dataclass(frozen=True)
class MergeAtoms:
    """Merges two partitions' ``AtomsTask`` results: group row counts and each atom's partial."""

    funcs: dict[str, str]

    def __call__(self, left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
        return {
            name: (
                left[name][0] + right[name][0],
                merge(self.funcs[name], left[name][1], right[name][1]),
            )
            for name in left
        }


def merge_levels(left: pd.Series, right: pd.Series) -> pd.Series:
    return pd.Series(pd.concat([left, right], ignore_index=True).unique())
