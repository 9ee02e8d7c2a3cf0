"""A batch's one pass for every region (``engine.split``) against each region computed on its
own: the data-quality steps (rows excluded at each step, per table) and the rows used are the
same numbers a separate executor over that region's model counts."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from reportgen.engine.pandas_engine import PandasExecutor
from reportgen.progress import Progress
from reportgen.stages.batch import add_reports, plan_batch, shared_rows, value_executors
from reportgen.stages.execute import load_engine
from reportgen.stages.job import BuildOptions
from reportgen.stages.param_values import data_values


def test_each_regions_excluded_rows_equal_its_own_count(
    new_project: Callable[[int, int], Path],
) -> None:
    spec = new_project(1500, 21) / "report.yaml"
    options = BuildOptions(formats=("csv",), use_cache=False, quiet=True)
    batch = plan_batch(spec, options, "region")
    first = batch.probe
    engine = load_engine(first.model, first.engine, first.needed, Progress(io.StringIO(), True))
    try:
        make = shared_rows(engine.executor)
        add_reports(batch, spec, options, data_values(first.model, engine.executor, "region"))
        executor_for = value_executors(batch, make)
        frames = engine.executor.frames  # type: ignore[attr-defined]
        checked = 0
        for report in batch.reports:
            split = executor_for(report.job, report.value)
            assert type(split).__name__ == "SplitExecutor"  # the one-pass way was chosen
            alone = PandasExecutor(report.job.model, frames)
            for table in report.job.model.spec.data:
                expected = alone.excluded_by_step(table)
                assert split.excluded_by_step(table) == expected, (report.value, table)
                kept = alone.length(table) - sum(expected)
                assert kept == int(alone.mask(table).sum())
                checked += sum(expected) > 0
        assert checked >= 8  # the order lines, orders and customers of each region lose rows
    finally:
        engine.close()


@pytest.mark.parametrize("value", ["Nowhere"])
def test_a_value_no_row_holds_excludes_every_row_at_the_relation(
    new_project: Callable[[int, int], Path], value: str
) -> None:
    spec = new_project(300, 22) / "report.yaml"
    options = BuildOptions(formats=("csv",), use_cache=False, quiet=True)
    batch = plan_batch(spec, options, "region")
    first = batch.probe
    engine = load_engine(first.model, first.engine, first.needed, Progress(io.StringIO(), True))
    try:
        make = shared_rows(engine.executor)
        add_reports(batch, spec, options, ["South", value])
        executor_for = value_executors(batch, make)
        report = batch.reports[1]
        split = executor_for(report.job, report.value)
        alone = PandasExecutor(report.job.model, engine.executor.frames)  # type: ignore[attr-defined]
        for table in ("orders", "order_products"):
            counts = split.excluded_by_step(table)
            assert counts == alone.excluded_by_step(table)
            assert sum(counts) == alone.length(table)  # nothing is left
    finally:
        engine.close()
