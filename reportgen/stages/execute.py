"""The columns a build needs → loaded tables and an executor on the chosen engine (chosen
here, once), with the data checks that need rows: no empty table, rows left after the
relations and filters."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from reportgen.data.quality import TableQuality
from reportgen.engine.plan import Executor
from reportgen.errors import DataError
from reportgen.model import expr as ex
from reportgen.model.semantic import Model
from reportgen.progress import Progress


class LoadedData(Protocol):
    """A table as the engines hold it: its frame (pandas or Dask) and its quality record."""

    @property
    def quality(self) -> TableQuality: ...


@dataclass(frozen=True)
class EngineChoice:
    """Which engine runs the sections, and where its data comes from."""

    name: str  # pandas | dask
    scheduler: str | None  # a Dask scheduler's address; None: a local cluster
    base_dir: Path
    cache_dir: Path | None  # the Parquet cache; None under --no-cache


@dataclass(frozen=True)
class Engine:
    """The loaded tables (for their quality records) and the executor over them."""

    tables: Mapping[str, LoadedData]
    executor: Executor

    def close(self) -> None:
        """Shut down what the executor started (a Dask cluster); nothing for pandas."""
        self.executor.close()


def load_engine(
    model: Model,
    choice: EngineChoice,
    needed: Mapping[str, Collection[str]],
    progress: Progress | None = None,
) -> Engine:
    """Load the needed columns and start the executor over them; a table with no rows is a
    data error. The caller closes the engine (``contextlib.closing``). ``progress``: its live
    line names the table loading (pandas)."""
    if choice.name == "dask":
        # Dimensions load in pandas; fact tables are read by the Dask workers.
        from reportgen.engine.dask_engine import DaskExecutor
        from reportgen.engine.dask_read import load_tables

        sources = load_tables(model, choice.base_dir, needed, cache_dir=choice.cache_dir)
        dask = DaskExecutor(model, sources, scheduler=choice.scheduler)
        try:
            check_not_empty(dask.tables)
        except BaseException:
            dask.close()
            raise
        return Engine(dask.tables, dask)
    from reportgen.data.load import load_table
    from reportgen.engine.pandas_engine import PandasExecutor

    tables = {}
    for number, (name, table) in enumerate(model.spec.data.items(), 1):
        if progress is not None:
            progress.ticker.detail = f"{name} ({number} of {len(model.spec.data)})"
        tables[name] = load_table(
            name, table, choice.base_dir, columns=sorted(needed[name]), cache_dir=choice.cache_dir
        )
    check_not_empty(tables)
    return Engine(tables, PandasExecutor(model, {n: t.frame for n, t in tables.items()}))


def check_not_empty(tables: Mapping[str, LoadedData]) -> None:
    """A table with no rows (a header-only file, or every row cleaned away) is a data error."""
    for name, table in tables.items():
        if table.quality.rows_kept == 0:
            files = ", ".join(table.quality.files)
            what = (
                "the file has a header but no rows"
                if table.quality.rows_read == 0
                else f"cleaning dropped all {table.quality.rows_read:,} rows"
            )
            msg = f"{what}; the report needs data"
            raise DataError(msg, table=name, path=files)


def check_rows_left(model: Model, executor: Executor) -> None:
    """A data error, naming the relation or filter, when a table has no rows left to report on."""
    for name in model.spec.data:
        valid = executor.valid(name)
        if not valid.any():
            _no_valid_rows(model, executor, name, len(valid))
    for filter_name, spec_filter in model.spec.filters.items():
        table = spec_filter.on
        passing = executor.valid(table) & executor.condition(ex.parse(spec_filter.where), table)
        if not passing.any():
            msg = f"the filter '{filter_name}' ({spec_filter.where}) leaves no rows"
            raise DataError(msg, table=table)
    for name in model.spec.data:
        if not executor.mask(name).any():
            names = ", ".join(model.spec.filters)
            msg = f"no rows are left once the filters ({names}) apply to related tables"
            raise DataError(msg, table=name)


def _no_valid_rows(model: Model, executor: Executor, name: str, rows: int) -> None:
    for relation, count in executor.orphans.get(name, []):
        if count == rows:
            key = model.key_of(relation.parent)
            msg = (
                f"no value of {name}.{relation.column} is a {relation.parent}.{key}: "
                f"every row refers to a missing {relation.parent} row; check the relation "
                f"'{name}.{relation.column} -> {relation.parent}' and the two columns"
            )
            raise DataError(msg, table=name, column=relation.column)
    msg = "every row refers to a missing row of a related table"
    raise DataError(msg, table=name)
