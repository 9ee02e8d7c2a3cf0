"""A plan + partitioned fact tables + broadcast dimensions → the same atom results on Dask.

The fact tables (those no relation points to, e.g. ``order_products``) are partitioned Dask frames
held in the workers' memory. Every other table is a dimension: loaded with the project's loader,
its derived fields, filters and paths computed once in pandas (by the reference executor) and the
arrays a query needs broadcast to every worker once. Each partition then runs the reference
executor's own row logic (key lookups, validity, filter masks, expressions) against those arrays
and reduces its rows to per-group partial sums, counts, extremes or value counts; the partials
are merged in a tree on the workers and only that small result reaches the client.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import dask
import dask.array as da
import numpy as np
import pandas as pd

from reportgen.data.load import LoadedTable
from reportgen.engine.dask_cluster import connect
from reportgen.engine.dask_read import FactTable, fact_tables, persist_fact
from reportgen.engine.pandas_engine import (
    PandasExecutor,
    _codes,
    _lookup,
    _numeric,
    combine_atoms,
    is_text_levels,
    take,
)
from reportgen.engine.plan import NOT_STATED, GroupKey, Keep, atom_id
from reportgen.errors import DataError
from reportgen.model import expr as ex
from reportgen.model.semantic import AggregateField, Atom, Model, Relation, Resolved

log = logging.getLogger(__name__)

_SAMPLE_ROWS = 1000  # rows of a fact table the client evaluates to learn what a query reads


# ---- per-partition row logic ------------------------------------------------------------------
class _Lookups:
    """The dimension arrays a fact partition reads, by key.

    On the client it computes what is asked for from the dimension executor and remembers the
    keys (a dry run on a sample); on a worker it holds exactly those arrays, broadcast once.
    """

    def __init__(self, source: _Dimensions | None, arrays: Mapping[str, Any] | None = None):
        self.source = source
        self.arrays: dict[str, Any] = dict(arrays or {})
        self.used: set[str] = set()

    def get(self, key: str, compute: Callable[[_Dimensions], Any]) -> Any:
        self.used.add(key)
        if key not in self.arrays:
            if self.source is None:  # pragma: no cover - the dry run asks for the same keys
                msg = f"the Dask engine did not broadcast {key!r}"
                raise AssertionError(msg)
            self.arrays[key] = compute(self.source)
        return self.arrays[key]


# Per partition (by its Dask key), in each worker process: the key lookups, paths, validity and
# filter masks of its rows, shared by every task of a run on that partition (dropped by close()).
_PARTITION_STATE: dict[str, dict[str, Any]] = {}


class _PartitionExecutor(PandasExecutor):
    """The reference executor over one partition of a fact table and broadcast dimensions."""

    def __init__(
        self,
        model: Model,
        fact: str,
        frame: pd.DataFrame,
        lookups: _Lookups,
        state: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(model, {fact: frame.reset_index(drop=True)})
        self.fact = fact
        self.lookups = lookups
        if state is not None:  # row-level results of earlier tasks on this partition
            self._positions = state.setdefault("positions", {})
            self._paths = state.setdefault("paths", {})
            self._valid = state.setdefault("valid", {})
            self._masks = state.setdefault("masks", {})
            self.orphans = state.setdefault("orphans", {})

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
            self._positions[cache_key] = _lookup(self._parent_keys(relation), foreign)
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
            if not path:
                positions = np.arange(self.length(source))
            else:
                positions = self.positions(path[0])
                if len(path) > 1:
                    tail = path[1:]
                    chain = np.asarray(
                        self.lookups.get(
                            f"chain:{'|'.join(map(str, tail))}", lambda d: _chain(d, tail)
                        )
                    )
                    found = positions >= 0
                    positions = np.where(found, chain[np.where(found, positions, 0)], -1)
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

    def _aggregate_field(self, name: str, spec_field: AggregateField) -> pd.Series:
        msg = f"field '{name}': an aggregate field on a fact table is not supported on Dask"
        raise DataError(msg, table=spec_field.on)


def _chain(dims: PandasExecutor, relations: tuple[Relation, ...]) -> np.ndarray:
    """Positions along ``relations`` for each row of the first relation's child (as pandas does)."""
    positions = np.arange(dims.length(relations[0].child))
    for relation in relations:
        step = dims.positions(relation)
        positions = np.where(positions >= 0, step[np.where(positions >= 0, positions, 0)], -1)
    return positions


def _key_series(executor: PandasExecutor, fact: str, key: GroupKey) -> pd.Series:
    return executor.values(executor.model.resolve(ex.parse(key.text), fact), fact)  # type: ignore[arg-type]


def _key_codes(series: pd.Series, levels: list[Any]) -> np.ndarray:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy().astype("int64")
    return pd.Index(levels).get_indexer(series).astype("int64")


@dataclass(frozen=True)
class _AtomsTask:
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

    def run(self, executor: _PartitionExecutor) -> dict[str, Any]:
        fact = executor.fact
        codes = np.zeros(executor.length(fact), dtype="int64")
        keys_ok = np.ones(executor.length(fact), dtype=bool)
        keys = zip(self.by, self.levels, self.remaps, self.widths, strict=True)
        for key, level, remap, width in keys:
            key_codes = _key_codes(_key_series(executor, fact, key), list(level))
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
class _FieldTask:
    """Per-row partials of an aggregate field over a fact table."""

    name: str
    size: int

    def run(self, executor: _PartitionExecutor) -> Any:
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
class _RowsTask:
    """One boolean per row: ``valid``, ``mask`` or a ``condition``; or the orphan counts, or
    the rows excluded at each step (``steps``)."""

    kind: str
    node: ex.Node | None = None

    def run(self, executor: _PartitionExecutor) -> Any:
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
class _LevelsTask:
    """The distinct values of a group column held on the fact table itself."""

    key: GroupKey

    def run(self, executor: _PartitionExecutor) -> Any:
        series = _key_series(executor, executor.fact, self.key)
        return pd.Series(series.dropna().unique())


def _run_partition(
    frame: pd.DataFrame, model: Model, fact: str, arrays: dict[str, Any], task: Any, key: str
) -> Any:
    state = _PARTITION_STATE.setdefault(key, {})
    return task.run(_PartitionExecutor(model, fact, frame, _Lookups(None, arrays), state))


def _forget_partitions(keys: list[str]) -> None:
    for key in keys:
        _PARTITION_STATE.pop(key, None)


# ---- partial reductions -------------------------------------------------------------------------
def partial(
    func: str, codes: np.ndarray, mask: np.ndarray, values: pd.Series | None, size: int
) -> Any:
    """What one partition contributes to ``reduce_groups(func, ...)``; merged by ``merge``."""
    if func == "count":
        return np.bincount(codes[mask], minlength=size).astype("int64")
    assert values is not None
    if func == "count_distinct":
        pairs = pd.DataFrame({"g": codes[mask], "v": values[mask].to_numpy()})
        return pairs.dropna().drop_duplicates()
    if isinstance(values.dtype, pd.CategoricalDtype):
        msg = f"cannot compute {func} of a text column"
        raise DataError(msg, column=str(values.name))
    array = _numeric(values).to_numpy(dtype="float64", na_value=np.nan)
    usable = mask & ~np.isnan(array)
    if func in ("sum", "mean"):
        sums = np.bincount(codes[usable], weights=array[usable], minlength=size)
        return sums, np.bincount(codes[usable], minlength=size)
    if func == "median":
        pairs = pd.DataFrame({"g": codes[usable], "v": array[usable]})
        return pairs.value_counts().rename("n").reset_index()
    grouped = pd.Series(array[usable]).groupby(codes[usable])
    reduced = grouped.min() if func == "min" else grouped.max()
    out = np.full(size, np.nan)
    out[reduced.index.to_numpy()] = reduced.to_numpy()
    return out


def merge(func: str, left: Any, right: Any) -> Any:
    """Two partials of the same reduction as one."""
    if func == "count":
        return left + right
    if func in ("sum", "mean"):
        return left[0] + right[0], left[1] + right[1]
    if func == "count_distinct":
        return pd.concat([left, right], ignore_index=True).drop_duplicates()
    if func == "median":
        both = pd.concat([left, right], ignore_index=True)
        return both.groupby(["g", "v"], as_index=False, sort=False)["n"].sum()
    return np.fmin(left, right) if func == "min" else np.fmax(left, right)


def final(func: str, merged: Any, size: int) -> np.ndarray:
    """The merged partial as ``reduce_groups`` returns it."""
    if func == "count":
        return np.asarray(merged, dtype="int64")
    if func == "count_distinct":
        return np.bincount(merged["g"].to_numpy(dtype="int64"), minlength=size).astype("int64")
    if func == "sum":
        return np.asarray(merged[0])
    if func == "mean":
        sums, counts = merged
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    if func == "median":
        return _weighted_median(merged, size)
    return np.asarray(merged)


def _weighted_median(counts: pd.DataFrame, size: int) -> np.ndarray:
    """Exact medians per group from (group, value, count) rows."""
    out = np.full(size, np.nan)
    if counts.empty:
        return out
    ordered = counts.sort_values(["g", "v"], kind="stable")
    groups = ordered["g"].to_numpy(dtype="int64")
    values = ordered["v"].to_numpy(dtype="float64")
    n = ordered["n"].to_numpy(dtype="int64")
    end = ordered.groupby("g", sort=False)["n"].cumsum().to_numpy()
    start = end - n
    total = np.zeros(size, dtype="int64")
    np.add.at(total, groups, n)
    picks = []
    for k in ((total - 1) // 2, total // 2):
        target = k[groups]
        hit = (start <= target) & (target < end)
        picked = np.full(size, np.nan)
        picked[groups[hit]] = values[hit]
        picks.append(picked)
    present = total > 0
    out[present] = (picks[0][present] + picks[1][present]) / 2
    return out


@dataclass(frozen=True)
class _Merge:
    """``merge`` for one reduction, as a picklable callable."""

    func: str

    def __call__(self, left: Any, right: Any) -> Any:
        return merge(self.func, left, right)


@dataclass(frozen=True)
class _MergeAtoms:
    """Merges two partitions' ``_AtomsTask`` results: group row counts and each atom's partial."""

    funcs: dict[str, str]

    def __call__(self, left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
        return {
            name: (
                left[name][0] + right[name][0],
                merge(self.funcs[name], left[name][1], right[name][1]),
            )
            for name in left
        }


def _merge_levels(left: pd.Series, right: pd.Series) -> pd.Series:
    return pd.Series(pd.concat([left, right], ignore_index=True).unique())


# ---- the dimensions -------------------------------------------------------------------------------
class _Dimensions(PandasExecutor):
    """The reference executor over the dimension tables; fields over a fact table go to Dask."""

    def __init__(self, model: Model, frames: Mapping[str, pd.DataFrame], owner: DaskExecutor):
        super().__init__(model, frames)
        self.owner = owner

    def _aggregate_field(self, name: str, spec_field: AggregateField) -> pd.Series:
        source = spec_field.over or (spec_field.of or "").split(".", 1)[0]
        if source in self.owner.facts:
            return self.owner._fact_field(name, spec_field, source)
        return super()._aggregate_field(name, spec_field)


# ---- the executor -----------------------------------------------------------------------------------
class DaskExecutor:
    """Runs plans with the fact tables partitioned on a Dask cluster (one instance per run).

    ``frames`` maps each table to a pandas frame, a :class:`LoadedTable` or (for a fact table)
    a :class:`FactSource` or Dask frame; fact tables given in pandas are split into
    ``npartitions``. Without ``scheduler`` (or ``client``) a local 2-worker cluster is started
    (worker threads, or processes with ``processes=True``);
    :meth:`close` (or ``with``) shuts down what this instance started.
    """

    def __init__(
        self,
        model: Model,
        frames: Mapping[str, Any],
        *,
        scheduler: str | None = None,
        npartitions: int = 4,
        processes: bool = False,
        client: Any = None,
    ) -> None:
        self.model = model
        self.facts = [name for name in fact_tables(model) if name in frames]
        self.tables: dict[str, Any] = {}
        self._parts: dict[str, list[Any]] = {}
        self._lengths: dict[str, list[int]] = {}
        self._samples: dict[str, pd.DataFrame] = {}
        self._futures: dict[str, Any] = {}
        self._levels: dict[tuple[str, str], list[Any]] = {}
        self._fact_orphans: dict[str, list[tuple[Relation, int]]] = {}
        self._cluster: Any = None
        self._own_client = client is None
        if client is None:
            client, self._cluster = connect(scheduler, processes=processes)
        self.client = client
        try:
            dims: dict[str, pd.DataFrame] = {}
            for name, frame in frames.items():
                if name in self.facts:
                    self._load_fact(name, frame, npartitions)
                elif isinstance(frame, LoadedTable):
                    dims[name] = frame.frame
                    self.tables[name] = frame
                else:
                    dims[name] = frame
            self.dims = _Dimensions(model, dims, self)
            self._model_future = self.client.scatter(model, broadcast=True, hash=False)
        except BaseException:
            self.close()
            raise

    # ---- lifecycle ----------------------------------------------------------------------------
    def close(self) -> None:
        """Release the persisted partitions; close the client and cluster this run started."""
        keys = [str(part.key) for parts in self._parts.values() for part in parts]
        if keys and self.client is not None:
            with contextlib.suppress(Exception):
                self.client.run(_forget_partitions, keys)
        self._parts, self._futures = {}, {}
        self.tables = {n: t for n, t in self.tables.items() if not isinstance(t, FactTable)}
        if self._own_client and self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()
            self._cluster = None

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # ---- loading the facts --------------------------------------------------------------------
    def _load_fact(self, name: str, frame: Any, npartitions: int) -> None:
        """Read and clean through the data layer, persist on the workers (see dask_read)."""
        fact = persist_fact(self.client, name, frame, npartitions)
        parts = fact.frame.to_delayed()
        self._parts[name] = parts
        self._lengths[name] = list(fact.lengths)
        head = dask.compute(parts[0])[0] if parts else fact.frame._meta
        self._samples[name] = head.head(_SAMPLE_ROWS).reset_index(drop=True)
        if fact.quality is not None:
            self.tables[name] = FactTable(name, fact.frame, fact.quality)

    # ---- running tasks on the partitions ------------------------------------------------------
    def _arrays(self, fact: str, task: Any) -> dict[str, Any]:
        """Dry-run ``task`` on a sample to learn what it reads; broadcast that (once per key)."""
        lookups = _Lookups(self.dims)
        task.run(_PartitionExecutor(self.model, fact, self._samples[fact], lookups))
        for key in lookups.used:
            if key not in self._futures:
                self._futures[key] = self.client.scatter(
                    lookups.arrays[key], broadcast=True, hash=False
                )
        return {key: self._futures[key] for key in lookups.used}

    def _tasks(self, fact: str, task: Any) -> list[Any]:
        arrays = self._arrays(fact, task)
        run = dask.delayed(_run_partition, pure=False)
        return [
            run(part, self._model_future, fact, arrays, task, str(part.key))
            for part in self._parts[fact]
        ]

    def _reduce(self, fact: str, task: Any, combine: Callable[[Any, Any], Any]) -> Any:
        """Run ``task`` on every partition and merge the results in a tree on the workers."""
        level = self._tasks(fact, task)
        if not level:
            level = [
                dask.delayed(_run_partition, pure=False)(
                    self._samples[fact].iloc[:0],
                    self.model,
                    fact,
                    self._arrays(fact, task),
                    task,
                    f"{fact}-empty",
                )
            ]
        step = dask.delayed(combine, pure=False)
        while len(level) > 1:
            pairs = [step(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            level = pairs + ([level[-1]] if len(level) % 2 else [])
        return self.client.compute(level[0], sync=True)

    def _rows(self, fact: str, task: _RowsTask) -> Any:
        """A lazy boolean dask array over the fact's rows (``int(x.sum())`` computes it)."""
        parts = [
            da.from_delayed(t, shape=(n,), dtype=bool)
            for t, n in zip(self._tasks(fact, task), self._lengths[fact], strict=True)
        ]
        return da.concatenate(parts) if parts else da.zeros(0, dtype=bool)

    # ---- the pipeline's interface -------------------------------------------------------------
    @property
    def orphans(self) -> dict[str, list[tuple[Relation, int]]]:
        return {**self.dims.orphans, **self._fact_orphans}

    def length(self, table: str) -> int:
        if table in self.facts:
            return sum(self._lengths[table])
        return self.dims.length(table)

    def valid(self, table: str) -> Any:
        if table not in self.facts:
            return self.dims.valid(table)
        self._orphans(table)
        return self._rows(table, _RowsTask("valid"))

    def mask(self, table: str) -> Any:
        if table not in self.facts:
            return self.dims.mask(table)
        self._orphans(table)
        return self._rows(table, _RowsTask("mask"))

    def condition(self, node: ex.Node, scope: str) -> Any:
        if scope not in self.facts:
            return self.dims.condition(node, scope)
        return self._rows(scope, _RowsTask("condition", node))

    def excluded_by_step(self, table: str) -> list[int]:
        """Rows excluded at each of ``exclusion_steps(model, table)`` (see the pandas executor)."""
        if table not in self.facts:
            return self.dims.excluded_by_step(table)
        counts = self._reduce(table, _RowsTask("steps"), np.add)
        return [int(count) for count in counts]

    def declared_counts(self, name: str) -> dict[str, dict[str, int]] | None:
        """Rows per declared category of a map or cases field on a dimension table (else None)."""
        if self.model.spec.fields[name].on in self.facts:
            return None
        return self.dims.declared_counts(name)

    def _orphans(self, fact: str) -> None:
        if fact not in self._fact_orphans:
            counts = self._reduce(fact, _RowsTask("orphans"), np.add)
            relations = self.model.parents(fact)
            self._fact_orphans[fact] = [
                (relation, int(count)) for relation, count in zip(relations, counts, strict=True)
            ]

    def categories(self, key: GroupKey, scope: str) -> list[str] | None:
        if scope not in self.facts:
            return self.dims.categories(key, scope)
        sample = _PartitionExecutor(self.model, scope, self._samples[scope], _Lookups(self.dims))
        series = _key_series(sample, scope, key)
        if isinstance(series.dtype, pd.CategoricalDtype) and series.cat.ordered:
            return [str(c) for c in series.cat.categories]
        return None

    def _fact_field(self, name: str, spec_field: AggregateField, fact: str) -> pd.Series:
        size = self.dims.length(spec_field.on)
        func = "count" if spec_field.func == "any" else spec_field.func
        merged = self._reduce(fact, _FieldTask(name, size), _Merge(func))
        result = final(func, merged, size)
        return pd.Series(result > 0) if spec_field.func == "any" else pd.Series(result)

    # ---- aggregation --------------------------------------------------------------------------
    def aggregate(
        self,
        by: tuple[GroupKey, ...],
        atoms: tuple[Atom, ...],
        where: ex.Node | None,
        keep: Keep | None = None,
    ) -> pd.DataFrame:
        frames: dict[str, pd.DataFrame] = {}
        for fact in {atom.over for atom in atoms if atom.over in self.facts}:
            scoped = tuple(atom for atom in atoms if atom.over == fact)
            frames.update(self._fact_atoms(fact, by, scoped, where, keep))
        return combine_atoms(
            by,
            [
                frames[atom_id(atom)]
                if atom_id(atom) in frames
                else self.dims._aggregate_atom(by, atom, where, keep)
                for atom in atoms
            ],
        )

    def _key_levels(self, fact: str, key: GroupKey) -> list[Any]:
        """Every value a group column can take, in the order the reference executor uses."""
        cache_key = (fact, key.text)
        if cache_key not in self._levels:
            resolved = self.model.resolve(ex.parse(key.text), fact)  # type: ignore[arg-type]
            if resolved.table != fact:
                series = self.dims.values(resolved, resolved.table)
            else:
                sample = _PartitionExecutor(
                    self.model, fact, self._samples[fact], _Lookups(self.dims)
                )
                series = _key_series(sample, fact, key)
                if not isinstance(series.dtype, pd.CategoricalDtype):
                    series = self._reduce(fact, _LevelsTask(key), _merge_levels)
            self._levels[cache_key] = _codes(series)[1]
        return self._levels[cache_key]

    def _fact_atoms(
        self,
        fact: str,
        by: tuple[GroupKey, ...],
        atoms: tuple[Atom, ...],
        where: ex.Node | None,
        keep: Keep | None,
    ) -> dict[str, pd.DataFrame]:
        levels = [self._key_levels(fact, key) for key in by]
        remaps: list[tuple[int, ...] | None] = []
        final_levels: list[list[Any]] = []
        for key, level in zip(by, levels, strict=True):
            # Codes index ``level`` (-1: missing); a missing text value is "Not stated", and
            # top-N merges the values outside ``keep`` into its other label (as pandas does).
            stated = list(level)
            remap: list[int] | None = None
            if is_text_levels(level):
                stated.append(NOT_STATED)
                remap = [*range(len(level)), len(level)]
            if keep is not None and keep.column == key.name:
                kept = [u for u in stated if str(u) in keep.values]
                to_kept = [kept.index(u) if str(u) in keep.values else len(kept) for u in stated]
                codes = remap if remap is not None else [*range(len(level)), -1]
                remap = [to_kept[code] if code >= 0 else -1 for code in codes]
                stated = [*kept, keep.other]
            remaps.append(tuple(remap) if remap is not None else None)
            final_levels.append(stated)
        size = int(np.prod([max(len(level), 1) for level in final_levels])) if by else 1
        funcs = {atom_id(atom): atom.func for atom in atoms}
        task = _AtomsTask(
            by,
            tuple(tuple(level) for level in levels),
            tuple(remaps),
            tuple(len(level) for level in final_levels),
            size,
            atoms,
            where,
        )
        merged = self._reduce(fact, task, _MergeAtoms(funcs))
        frames = {}
        for atom in atoms:
            rows, partial_result = merged[atom_id(atom)]
            values = final(atom.func, partial_result, size)
            frames[atom_id(atom)] = _atom_frame(by, final_levels, atom, rows, values)
        return frames


def _atom_frame(
    by: tuple[GroupKey, ...],
    levels: list[list[Any]],
    atom: Atom,
    rows: np.ndarray,
    values: np.ndarray,
) -> pd.DataFrame:
    """The reference executor's frame for one atom: present groups, their labels, the values."""
    index = np.flatnonzero(rows > 0) if by else np.array([0])
    frame = pd.DataFrame({atom_id(atom): np.asarray(values)[index]})
    remainder = index.copy()
    for key, level in reversed(list(zip(by, levels, strict=True))):
        width = len(level) or 1
        frame.insert(0, key.name, np.array(level, dtype=object)[remainder % width])
        remainder //= width
    return frame
