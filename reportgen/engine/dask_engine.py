"""A plan + partitioned fact tables + broadcast dimensions → the same atom results on Dask.

The fact tables (those no relation points to, e.g. ``order_products``) are partitioned Dask frames
held in the workers' memory. Every other table is a dimension: loaded with the project's loader,
its derived fields, filters and paths computed once in pandas (by the reference executor) and the
arrays a query needs broadcast to every worker once. Each partition then runs the reference
executor's own row logic (key lookups, validity, filter masks, expressions) against those arrays
and reduces its rows to per-group partial sums, counts, extremes or value counts; the partials
are merged in a tree on the workers and only that small result reaches the client (the
worker side: ``engine.dask_partitions``; the reductions: ``engine.reductions``, as on pandas).
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd

from reportgen.data import cache
from reportgen.data.clean import (
    DUPLICATE_ROWS,
    INFINITE,
    duplicate_key_reason,
    empty_reason,
    invalid_reason,
)
from reportgen.data.columns import plan_columns
from reportgen.data.files import resolve_files
from reportgen.data.load import LoadedTable, cached_problems, load_table
from reportgen.data.quality import ColumnProfile, Exclusion, TableQuality
from reportgen.data.read import common_header, is_gzip
from reportgen.data.scan import PRIVATE_PREFIX
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
from reportgen.errors import DataError, UsageError
from reportgen.model import expr as ex
from reportgen.model.semantic import AggregateField, Atom, Model, Relation
from reportgen.spec.models import TableSpec

log = logging.getLogger(__name__)

BLOCKSIZE = "64MB"  # CSV bytes per partition (about 3.5 M order lines)
ROWS_PER_PARTITION = 4_000_000  # for Parquet: whole row groups up to about this many rows
_SAMPLE_ROWS = 1000  # rows of a fact table the client evaluates to learn what a query reads


def fact_tables(model: Model) -> list[str]:
    """The tables that no relation points to: they are partitioned, the others broadcast."""
    parents = {relation.parent for relation in model.relations}
    return [name for name in model.spec.data if name not in parents]


# ---- the cluster ------------------------------------------------------------------------------
def connect(scheduler: str | None, *, processes: bool = False) -> tuple[Any, Any]:
    """A Client for ``scheduler``, or a new 2-worker LocalCluster and its Client.

    The local cluster's workers are threads by default: on one machine that measured twice as
    fast as worker processes (no copies of the broadcast arrays, no pickling), see docs/dask.md.
    """
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="10s"), None
        except (OSError, TimeoutError) as error:
            msg = f"--scheduler {scheduler}: cannot connect to a Dask scheduler ({error})"
            raise UsageError(msg) from None
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=processes,
            memory_limit=_memory_limit(2),
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
    return Client(cluster), cluster


def _memory_limit(workers: int) -> int:
    """Half the machine's memory per worker pair, at least 1 GiB and at most 8 GiB each."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 8 << 30
    return int(min(max(total // (2 * workers), 1 << 30), 8 << 30))


# ---- loading ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FactSource:
    """A fact table to read as a partitioned Dask frame (its files, cleaned like the loader)."""

    name: str
    table: TableSpec
    base_dir: Path
    columns: tuple[str, ...]
    cache_dir: Path | None = None


@dataclass(frozen=True)
class FactTable:
    """A loaded fact table: the persisted Dask frame and what loading it did."""

    name: str
    frame: Any  # dask.dataframe.DataFrame
    quality: TableQuality


def load_tables(
    model: Model,
    base_dir: Path,
    needed: Mapping[str, Collection[str]],
    *,
    cache_dir: Path | None = None,
) -> dict[str, LoadedTable | FactSource]:
    """Dimensions loaded in pandas by the project's loader; fact tables described for Dask."""
    facts = set(fact_tables(model))
    tables: dict[str, LoadedTable | FactSource] = {}
    for name, table in model.spec.data.items():
        columns = sorted(needed.get(name, ()))
        if name in facts:
            tables[name] = FactSource(name, table, base_dir, tuple(columns), cache_dir)
        else:
            tables[name] = load_table(name, table, base_dir, columns=columns, cache_dir=cache_dir)
    return tables


@dataclass
class _Read:
    """A fact table as read, before cleaning, and what is already known about its quality."""

    frame: Any
    files: tuple[str, ...]
    known: TableQuality | None = None  # from the cache or the project's loader: already clean
    record: dict[str, Any] | None = None


def read_fact(source: FactSource, npartitions: int) -> _Read:
    """The table's files as a lazy Dask frame in spec names (private columns as placeholders).

    CSV and Parquet files (globs of many files too) are read by Dask in partitions. A CSV table
    with a valid Parquet cache file reads that (already cleaned) instead. A transposed or
    mixed-format table goes through the project's loader.
    """
    name, table = source.name, source.table
    files = resolve_files(name, table, source.base_dir)
    displays = tuple(f.display for f in files)
    formats = {f.format for f in files}
    if source.cache_dir is not None and formats == {"csv"}:
        path = cache.cache_file(source.cache_dir, name, cache.fingerprint(table, files))
        metadata = cache.read_metadata(path)
        if metadata is not None:
            plan = plan_columns(name, table, metadata["header"], source.columns)
            cached_problems(name, metadata, plan)
            frame = dd.read_parquet(
                str(path), columns=list(plan.output), split_row_groups=_row_groups([path])
            )
            log.info("table %s: read from the cache %s", name, path)
            return _Read(frame, displays, record=metadata["quality"])
    if (
        table.layout == "wide"
        or len(formats) > 1
        or formats == {"json"}
        or table.columns  # declared dates are parsed by the loader
        or any(is_gzip(f.path) for f in files)
    ):
        return read_with_loader(source, npartitions)
    header = common_header(name, table, files)
    plan = plan_columns(name, table, header, source.columns)
    paths = [str(f.path) for f in files]
    if formats == {"parquet"}:
        frame = dd.read_parquet(
            paths, columns=list(plan.read), split_row_groups=_row_groups([f.path for f in files])
        )
    else:
        options: dict[str, Any] = {
            "usecols": list(plan.read),
            "blocksize": BLOCKSIZE,
            "keep_default_na": False,
            "na_values": [""],
        }
        private_text = dict.fromkeys(plan.private, "string")
        sample = dd.read_csv(paths, dtype=private_text, **options)
        if any(kind.kind == "u" for kind in sample._meta.dtypes):
            return read_with_loader(source, npartitions)  # whole numbers beyond int64
        # Integer columns (by the sample) are parsed as int64 in every block: a block that
        # does not fit (a missing value, text, a number beyond 64 bits, which pandas would
        # wrap silently) fails to parse, and the loader reads the table (see ``_load_fact``).
        integers = {c: "int64" for c, kind in sample._meta.dtypes.items() if kind.kind == "i"}
        frame = dd.read_csv(paths, dtype={**integers, **private_text}, **options)
    private = {c: f"{PRIVATE_PREFIX}{i}" for i, c in enumerate(plan.private)}
    frame = frame[list(plan.read)].rename(
        columns={c: plan.names.get(c) or private[c] for c in plan.read}
    )
    return _Read(frame, displays, record={"output": list(plan.output)})


def read_with_loader(source: FactSource, npartitions: int) -> _Read:
    """The fact table read, checked and cleaned by the project's loader, then partitioned:
    for files Dask cannot split (transposed, gzip-compressed, mixed formats) and for CSV
    whose blocks do not parse as their sample did (the loader's located error, or the
    table)."""
    name, table = source.name, source.table
    loaded = load_table(
        name, table, source.base_dir, columns=source.columns, cache_dir=source.cache_dir
    )
    frame = dd.from_pandas(loaded.frame, npartitions=npartitions)
    return _Read(frame, loaded.quality.files, known=loaded.quality)


def _row_groups(paths: list[Path]) -> int:
    """Row groups per partition so that a partition holds about ``ROWS_PER_PARTITION`` rows."""
    import pyarrow.parquet as pq

    try:
        metadata = pq.ParquetFile(paths[0]).metadata
    except (OSError, ValueError):
        return 1
    per_group = metadata.num_rows / max(metadata.num_row_groups, 1)
    return max(1, round(ROWS_PER_PARTITION / max(per_group, 1)))


def clean(name: str, table: TableSpec, frame: Any) -> tuple[Any, list[tuple[Any, ...]]]:
    """The loader's cleaning rules, in its order, on a Dask frame.

    Returns the cleaned frame (the key not yet checked) and ``(reason, count, column, dropped,
    kind)`` per rule, the counts still lazy. Duplicate rows are found exactly and the first one (in file
    order, across partitions) is kept, as the loader does.
    """
    rules = table.clean
    effects: list[tuple[Any, ...]] = []
    for column in frame.columns:  # the loader's first rule: infinite numbers are missing
        if pd.api.types.is_float_dtype(frame[column].dtype):
            infinite = frame[column].abs() == np.inf
            effects.append(
                (INFINITE.format(column=column), infinite.sum(), column, False, "infinite")
            )
            frame = frame.assign(**{column: frame[column].mask(infinite)})
    for column in rules.drop_missing:
        missing = frame[column].isna()
        effects.append((empty_reason(column), missing.sum(), column, True, "empty"))
        frame = frame[~missing]
    if rules.drop_duplicates:
        before = frame.shape[0]
        frame = first_of_each(frame, list(frame.columns))
        effects.append((DUPLICATE_ROWS, before - frame.shape[0], None, True, "duplicate_rows"))
    frame = frame.drop(columns=[c for c in frame.columns if str(c).startswith(PRIVATE_PREFIX)])
    for column, valid in rules.valid.items():
        if valid.min is None and valid.max is None:
            continue
        values = frame[column]
        if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(
            values.dtype
        ):
            msg = "clean.valid: the column does not hold numbers"
            raise DataError(msg, table=name, column=column)
        outside = values.isna() & False
        if valid.min is not None:
            outside = outside | (values < valid.min).fillna(False)
        if valid.max is not None:
            outside = outside | (values > valid.max).fillna(False)
        frame = frame.assign(**{column: values.astype("float64").mask(outside)})
        effects.append((invalid_reason(column, valid), outside.sum(), column, False, "invalid"))
    return frame, effects


def _row_keys(part: pd.DataFrame, columns: list[str]) -> pd.Series:
    if len(columns) == 1:
        return part[columns[0]]
    return pd.util.hash_pandas_object(part[columns], index=False)


def _repeated_rows(
    part: pd.DataFrame, columns: list[str], repeated: set[Any], number: int
) -> pd.DataFrame:
    hit = _row_keys(part, columns).isin(repeated).to_numpy()
    rows = part.loc[hit, columns].reset_index(drop=True)
    return rows.assign(_partition=number, _row=np.flatnonzero(hit))


def _drop_rows(part: pd.DataFrame, rows: list[int]) -> pd.DataFrame:
    if not rows:
        return part
    flags = np.ones(len(part), dtype=bool)
    flags[rows] = False
    return part[flags]


def first_of_each(frame: Any, columns: list[str]) -> Any:
    """Drop every row whose ``columns`` equal an earlier row's (file order, across partitions).

    Candidates are found by value (one column) or by a 64-bit row hash; only those rows come
    to the client, where pandas decides exactly which ones repeat an earlier row.
    """
    if len(columns) == 1:
        keys = frame[columns[0]]
    else:
        keys = frame.map_partitions(_row_keys, columns, meta=(None, "uint64"))
    counts = keys.value_counts().compute()
    repeated = set(counts[counts > 1].index.tolist())
    if not repeated:
        return frame
    parts = frame.to_delayed()
    found = dask.compute(
        *[dask.delayed(_repeated_rows)(p, columns, repeated, i) for i, p in enumerate(parts)]
    )
    rows = pd.concat(found, ignore_index=True).sort_values(["_partition", "_row"], kind="stable")
    later = rows[rows.duplicated(columns, keep="first")]
    drop = {int(n): group["_row"].tolist() for n, group in later.groupby("_partition")}
    kept = [dask.delayed(_drop_rows)(p, drop.get(i, [])) for i, p in enumerate(parts)]
    return dd.from_delayed(kept, meta=frame._meta, verify_meta=False)


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
        """Read (on the workers), clean, persist; count what cleaning did like the loader."""
        read: _Read | None = None
        table = self.model.spec.data[name]
        source = frame
        if isinstance(frame, FactSource):
            read = read_fact(frame, npartitions)
            frame = read.frame
        elif isinstance(frame, LoadedTable):
            read = _Read(None, frame.quality.files, known=frame.quality)
            frame = dd.from_pandas(frame.frame, npartitions=npartitions)
        elif isinstance(frame, pd.DataFrame):
            frame = dd.from_pandas(frame, npartitions=npartitions)
        raw = self.client.persist(frame)
        if isinstance(source, FactSource) and read is not None and read.known is None:
            try:
                dask.compute(raw.shape[0])
            except (ValueError, TypeError, OverflowError) as error:
                # A block that does not parse as the sample did: the loader reads the table
                # (and raises the located error when the data is at fault).
                log.info("table %s: Dask could not read it (%s); using the loader", name, error)
                read = read_with_loader(source, npartitions)
                raw = self.client.persist(read.frame)
        exclusions: list[Exclusion] = []
        rows_read = None
        if read is not None and read.known is None and read.record and "output" in read.record:
            cleaned, effects = clean(name, table, raw)
            if effects:
                cleaned = self.client.persist(cleaned)
            rows_read, *counts = dask.compute(raw.shape[0], *[e[1] for e in effects])
            exclusions = [
                Exclusion(reason, int(count), column, dropped, kind)
                for (reason, _, column, dropped, kind), count in zip(effects, counts, strict=True)
                if count or kind != "infinite"
            ]
            frame = cleaned[read.record["output"]]
            if table.key is not None:
                frame, effect = self._check_key(name, table, frame, table.key)
                if effect is not None:
                    exclusions.append(effect)
            frame = self.client.persist(frame)
        else:
            frame = raw
        del raw
        parts = frame.to_delayed()
        self._parts[name] = parts
        self._lengths[name] = [
            int(n) for n in dask.compute(*[dask.delayed(len)(part) for part in parts])
        ]
        head = dask.compute(parts[0])[0] if parts else frame._meta
        self._samples[name] = head.head(_SAMPLE_ROWS).reset_index(drop=True)
        if read is None:
            return
        missing = dask.compute(*[frame[c].isna().sum() for c in frame.columns])
        profile = tuple(
            ColumnProfile(str(c), str(frame[c].dtype), int(n))
            for c, n in zip(frame.columns, missing, strict=True)
        )
        rows = sum(self._lengths[name])
        if read.known is not None:
            known = read.known
            quality = TableQuality(known.files, known.rows_read, rows, known.exclusions, profile)
        elif read.record is not None and "rows_read" in read.record:
            record = read.record  # the loader's record, from the Parquet cache
            cached = tuple(Exclusion(**e) for e in record["exclusions"])
            files = tuple(record["files"])
            quality = TableQuality(files, int(record["rows_read"]), rows, cached, profile)
        else:
            assert rows_read is not None
            quality = TableQuality(read.files, int(rows_read), rows, tuple(exclusions), profile)
        self.tables[name] = FactTable(name, frame, quality)

    def _check_key(
        self, name: str, table: TableSpec, frame: Any, key: str
    ) -> tuple[Any, Exclusion | None]:
        """The loader's key rule: no empty keys; repeats are an error or keep the first row."""
        empty, unique, rows = dask.compute(
            frame[key].isna().sum(), frame[key].nunique(), frame.shape[0]
        )
        if empty:
            msg = f"the key is empty on {empty:,} row(s); add it to clean.drop_missing to drop them"
            raise DataError(msg, table=name, column=key)
        repeated = int(rows) - int(unique)
        if table.clean.duplicate_keys == "error":
            if repeated:
                counts = frame[key].value_counts().compute()
                example, times = counts.index[0], int(counts.iloc[0])
                text = "1 row repeats" if repeated == 1 else f"{repeated:,} rows repeat"
                msg = (
                    f"the key is not unique: {text} an earlier key (e.g. {example} appears "
                    f"{times} times); fix the file, or set clean.duplicate_keys: first to keep "
                    "the first row of each key"
                )
                raise DataError(msg, table=name, column=key)
            return frame, None
        effect = Exclusion(duplicate_key_reason(key), repeated, key, kind="duplicate_key")
        return (first_of_each(frame, [key]) if repeated else frame), effect

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
