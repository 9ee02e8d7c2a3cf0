"""A plan + partitioned fact tables + broadcast dimensions → the same atom results on Dask.

The fact tables (those no relation points to, e.g. ``order_products``) are read and cleaned by
the data layer (``engine.dask_read``) and held as partitioned Dask frames in the workers' memory.
Every other table is a dimension: loaded with the project's loader, its derived fields, filters
and paths computed once in pandas (by the reference executor) and the arrays a query needs
broadcast to every worker once. Each partition then runs the reference
executor's own row logic (key lookups, validity, filter masks, expressions) against those arrays
and reduces its rows to per-group partial sums, counts, extremes or value counts; the partials
are merged in a tree on the workers and only that small result reaches the client (the
worker side: ``engine.dask_partitions``; the reductions: ``engine.reductions``, as on pandas).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

import dask
import dask.array as da
import numpy as np
import pandas as pd

from reportgen.data.load import LoadedTable
from reportgen.engine.dask_cluster import connect
from reportgen.engine.dask_partitions import (
    AtomsTask,
    FieldTask,
    LevelsTask,
    Lookups,
    Merge,
    MergeAtoms,
    PartitionExecutor,
    RowsTask,
    forget_partitions,
    key_series,
    merge_levels,
    run_partition,
)
from reportgen.engine.dask_read import FactTable, fact_tables, persist_fact
from reportgen.engine.groups import (
    combine_atoms,
    factorize,
    result_frame,
    size_of,
    stated,
)
from reportgen.engine.pandas_engine import PandasExecutor
from reportgen.engine.plan import GroupKey, Keep, atom_id
from reportgen.engine.reductions import final
from reportgen.model import expr as ex
from reportgen.model.semantic import Atom, Model, Relation
from reportgen.spec.models import AggregateField

log = logging.getLogger(__name__)

_SAMPLE_ROWS = 1000  # rows of a fact table the client evaluates to learn what a query reads


# ---- the dimensions -------------------------------------------------------------------------------
class _Dimensions(PandasExecutor):
    """The reference executor over the dimension tables; fields over a fact table go to Dask."""

    def __init__(self, model: Model, frames: Mapping[str, pd.DataFrame], owner: DaskExecutor):
        super().__init__(model, frames)
        self.owner = owner

    def aggregate_field(self, name: str, spec_field: AggregateField) -> pd.Series:
        source = spec_field.over or (spec_field.of or "").split(".", 1)[0]
        if source in self.owner.facts:
            return self.owner._fact_field(name, spec_field, source)
        return super().aggregate_field(name, spec_field)


# ---- the executor -----------------------------------------------------------------------------------
class DaskExecutor:
    """Runs plans with the fact tables partitioned on a Dask cluster (one instance per run).

    ``frames`` maps each table to a pandas frame, a :class:`LoadedTable` or (for a fact table)
    a ``dask_read.FactSource`` or Dask frame; fact tables given in pandas are split into
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
        self.aggregated = 0  # atoms aggregated so far
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
                self.client.run(forget_partitions, keys)
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
        lookups = Lookups(self.dims)
        task.run(PartitionExecutor(self.model, fact, self._samples[fact], lookups))
        for key in lookups.used:
            if key not in self._futures:
                self._futures[key] = self.client.scatter(
                    lookups.arrays[key], broadcast=True, hash=False
                )
        return {key: self._futures[key] for key in lookups.used}

    def _tasks(self, fact: str, task: Any) -> list[Any]:
        arrays = self._arrays(fact, task)
        run = dask.delayed(run_partition, pure=False)
        return [
            run(part, self._model_future, fact, arrays, task, str(part.key))
            for part in self._parts[fact]
        ]

    def _reduce(self, fact: str, task: Any, combine: Callable[[Any, Any], Any]) -> Any:
        """Run ``task`` on every partition and merge the results in a tree on the workers."""
        level = self._tasks(fact, task)
        if not level:
            level = [
                dask.delayed(run_partition, pure=False)(
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

    def _rows(self, fact: str, task: RowsTask) -> Any:
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

    def distinct(self, key: GroupKey, table: str) -> list[Any]:
        if table not in self.facts:
            return self.dims.distinct(key, table)
        return list(self._reduce(table, LevelsTask(key, valid=True), merge_levels))

    def length(self, table: str) -> int:
        if table in self.facts:
            return sum(self._lengths[table])
        return self.dims.length(table)

    def valid(self, table: str) -> Any:
        if table not in self.facts:
            return self.dims.valid(table)
        self._orphans(table)
        return self._rows(table, RowsTask("valid"))

    def mask(self, table: str) -> Any:
        if table not in self.facts:
            return self.dims.mask(table)
        self._orphans(table)
        return self._rows(table, RowsTask("mask"))

    def condition(self, node: ex.Node, scope: str) -> Any:
        if scope not in self.facts:
            return self.dims.condition(node, scope)
        return self._rows(scope, RowsTask("condition", node))

    def excluded_by_step(self, table: str) -> list[int]:
        """Rows excluded at each of ``exclusion_steps(model, table)`` (see the pandas executor)."""
        if table not in self.facts:
            return self.dims.excluded_by_step(table)
        counts = self._reduce(table, RowsTask("steps"), np.add)
        return [int(count) for count in counts]

    def declared_counts(self, name: str) -> dict[str, dict[str, int]] | None:
        """Rows per declared category of a map or cases field on a dimension table (else None)."""
        if self.model.spec.fields[name].on in self.facts:
            return None
        return self.dims.declared_counts(name)

    def _orphans(self, fact: str) -> None:
        if fact not in self._fact_orphans:
            counts = self._reduce(fact, RowsTask("orphans"), np.add)
            relations = self.model.parents(fact)
            self._fact_orphans[fact] = [
                (relation, int(count)) for relation, count in zip(relations, counts, strict=True)
            ]

    def categories(self, key: GroupKey, scope: str) -> list[str] | None:
        if scope not in self.facts:
            return self.dims.categories(key, scope)
        sample = PartitionExecutor(self.model, scope, self._samples[scope], Lookups(self.dims))
        series = key_series(sample, scope, key)
        if isinstance(series.dtype, pd.CategoricalDtype) and series.cat.ordered:
            return [str(c) for c in series.cat.categories]
        return None

    def _fact_field(self, name: str, spec_field: AggregateField, fact: str) -> pd.Series:
        size = self.dims.length(spec_field.on)
        func = "count" if spec_field.func == "any" else spec_field.func
        merged = self._reduce(fact, FieldTask(name, size), Merge(func))
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
        self.aggregated += len(atoms)
        frames: dict[str, pd.DataFrame] = {}
        for fact in {atom.over for atom in atoms if atom.over in self.facts}:
            scoped = tuple(atom for atom in atoms if atom.over == fact)
            frames.update(self._fact_atoms(fact, by, scoped, where, keep))
        return combine_atoms(
            by,
            [
                frames[atom_id(atom)]
                if atom_id(atom) in frames
                else self.dims.aggregate_atom(by, atom, where, keep)
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
                sample = PartitionExecutor(
                    self.model, fact, self._samples[fact], Lookups(self.dims)
                )
                series = key_series(sample, fact, key)
                if not isinstance(series.dtype, pd.CategoricalDtype):
                    series = self._reduce(fact, LevelsTask(key), merge_levels)
            self._levels[cache_key] = factorize(series)[1]
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
            # Codes index ``level`` (-1: missing, last): where each lands in the result's groups
            # ("Not stated", the kept values and the other bucket) as pandas decides it.
            codes = np.array([*range(len(level)), -1], dtype="int64")
            remap, shown = stated(key, codes, list(level), keep)
            remaps.append(tuple(int(code) for code in remap))
            final_levels.append(shown)
        size = size_of(final_levels)
        funcs = {atom_id(atom): atom.func for atom in atoms}
        task = AtomsTask(
            by,
            tuple(tuple(level) for level in levels),
            tuple(remaps),
            tuple(len(level) for level in final_levels),
            size,
            atoms,
            where,
        )
        merged = self._reduce(fact, task, MergeAtoms(funcs))
        frames = {}
        for atom in atoms:
            rows, partial_result = merged[atom_id(atom)]
            values = final(atom.func, partial_result, size)
            frames[atom_id(atom)] = result_frame(by, final_levels, atom, rows > 0, values)
        return frames
