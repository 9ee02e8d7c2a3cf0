"""A spec's fact tables → cleaned partitions on the Dask workers, read by the data layer's loader.

Fact tables (those no relation points to) are read, checked and cleaned by the project's own
loader (:mod:`reportgen.data.load`), exactly as on the pandas engine: the same rules, the same
quality record and every data error the same, raised on the client before any worker runs. A
CSV table whose cleaned Parquet copy is in the cache is read from that copy by the workers, in
partitions of whole row groups; otherwise the loaded frame (which the loader has just cached, when
a cache folder is given) is split into partitions.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dask
import dask.dataframe as dd
import pandas as pd

from reportgen.data.load import CachedTable, LoadedTable, cached_or_loaded, load_table
from reportgen.data.quality import TableQuality, profile_of, quality_from_counts
from reportgen.model.semantic import Model
from reportgen.spec.models import TableSpec

ROWS_PER_PARTITION = 4_000_000  # from a Parquet copy: whole row groups up to about this many rows


def fact_tables(model: Model) -> list[str]:
    """The tables that no relation points to: they are partitioned, the others broadcast."""
    parents = {relation.parent for relation in model.relations}
    return [name for name in model.spec.data if name not in parents]


@dataclass(frozen=True)
class FactSource:
    """A fact table to read for Dask: its spec, the columns a run reads, the cache folder."""

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


@dataclass(frozen=True)
class PersistedFact:
    """A fact table persisted on the workers: the frame, rows per partition, and its quality
    record (None for a frame given as it is, which no loader read)."""

    frame: Any  # dask.dataframe.DataFrame
    lengths: tuple[int, ...]
    quality: TableQuality | None


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


def persist_fact(client: Any, name: str, source: Any, npartitions: int) -> PersistedFact:
    """Read ``source`` (a :class:`FactSource`, :class:`LoadedTable`, pandas or Dask frame) into
    partitions persisted on ``client``'s workers, with the loader's quality record. A frame
    given is split into ``npartitions``; a table read here, into about ``ROWS_PER_PARTITION``
    rows each.

    A :class:`FactSource` goes through the data layer (:func:`cached_or_loaded`), so any data
    error is the loader's :class:`~reportgen.errors.DataError`, raised here on the client.
    """
    if isinstance(source, FactSource):
        source = cached_or_loaded(
            name,
            source.table,
            source.base_dir,
            columns=source.columns,
            cache_dir=source.cache_dir,
        )
        if isinstance(source, LoadedTable):  # partitions of about the cached copy's size
            npartitions = max(1, math.ceil(len(source.frame) / ROWS_PER_PARTITION))
    if isinstance(source, CachedTable):
        frame = dd.read_parquet(
            str(source.path),
            columns=list(source.columns),
            split_row_groups=_row_groups(source.path),
        )
    elif isinstance(source, LoadedTable):
        frame = dd.from_pandas(source.frame, npartitions=npartitions)
    elif isinstance(source, pd.DataFrame):
        frame = dd.from_pandas(source, npartitions=npartitions)
    else:
        frame = source
    frame = client.persist(frame)
    parts = frame.to_delayed()
    lengths = tuple(int(n) for n in dask.compute(*[dask.delayed(len)(part) for part in parts]))
    quality: TableQuality | None = None
    if isinstance(source, CachedTable):
        missing = frame.isna().sum().compute()
        profile = profile_of(frame.dtypes, missing)
        quality = quality_from_counts(source.record, sum(lengths), profile)
    elif isinstance(source, LoadedTable):
        quality = source.quality
    return PersistedFact(frame, lengths, quality)


def _row_groups(path: Path) -> int:
    """Row groups per partition so that a partition holds about ``ROWS_PER_PARTITION`` rows."""
    import pyarrow.parquet as pq

    try:
        metadata = pq.ParquetFile(path).metadata
    except (OSError, ValueError):
        return 1
    per_group = metadata.num_rows / max(metadata.num_row_groups, 1)
    return max(1, round(ROWS_PER_PARTITION / max(per_group, 1)))
