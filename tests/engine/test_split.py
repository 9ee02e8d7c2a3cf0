"""A batch's one pass for every region (``engine.split``) against each region computed on its
own: the data-quality steps (rows excluded at each step, per table) and the rows used are the
same numbers a separate executor over that region's model counts."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from reportgen.engine.pandas_engine import PandasExecutor
from reportgen.progress import Progress
from reportgen.stages.batch import add_reports, plan_batch, shared_rows, value_executors
from reportgen.stages.execute import load_engine
from reportgen.stages.job import BuildOptions
from reportgen.stages.param_values import data_values


@contextmanager
def region_executors(spec: Path, values: list[str] | None = None) -> Iterator[list[Any]]:
    """Per region (``values``, else the data's): its report, its executor over the batch's
    one pass, and an executor of its own over the same frames."""
    options = BuildOptions(formats=("csv",), use_cache=False, quiet=True)
    batch = plan_batch(spec, options, "region")
    first = batch.probe
    engine = load_engine(first.model, first.engine, first.needed, Progress(io.StringIO(), True))
    try:
        make = shared_rows(engine.executor)
        found = values or data_values(first.model, engine.executor, "region")
        add_reports(batch, spec, options, found)
        executor_for = value_executors(batch, make)
        frames = engine.executor.frames  # type: ignore[attr-defined]
        yield [
            (
                report,
                executor_for(report.job, report.value),
                PandasExecutor(report.job.model, frames),
            )
            for report in batch.reports
        ]
    finally:
        engine.close()


def test_each_regions_excluded_rows_equal_its_own_count(
    new_project: Callable[[int, int], Path],
) -> None:
    checked = 0
    with region_executors(new_project(1500, 21) / "report.yaml") as regions:
        for report, split, alone in regions:
            assert type(split).__name__ == "SplitExecutor"  # the one-pass way was chosen
            for table in report.job.model.spec.data:
                expected = alone.excluded_by_step(table)
                assert split.excluded_by_step(table) == expected, (report.value, table)
                kept = alone.length(table) - sum(expected)
                assert kept == int(alone.mask(table).sum())
                checked += sum(expected) > 0
    assert checked >= 8  # the order lines, orders and customers of each region lose rows


def test_a_value_no_row_holds_excludes_every_row_at_the_relation(
    new_project: Callable[[int, int], Path],
) -> None:
    with region_executors(new_project(300, 22) / "report.yaml", ["South", "Nowhere"]) as regions:
        _, split, alone = regions[1]
        for table in ("orders", "order_products"):
            counts = split.excluded_by_step(table)
            assert counts == alone.excluded_by_step(table)
            assert sum(counts) == alone.length(table)  # nothing is left


@pytest.mark.parametrize("in_order", [True, False])
def test_rows_per_parent_equal_a_plain_count(
    new_project: Callable[[int, int], Path], planned: Callable[[Path], Any], in_order: bool
) -> None:
    """Rows of each child per parent row, with the rows whose parent is missing first: by
    binary search when both tables are in key order, else by the positions; both equal a
    pandas count (a missing order id and a parent with no rows included)."""
    spec = planned(new_project(300, 5) / "report.yaml")
    frames = dict(spec.frames())
    lines = frames["order_products"].copy()
    lines = lines[lines["order_id"] != lines["order_id"].iloc[0]]  # an order with no lines
    lines.loc[lines.index[-1], "order_id"] = int(frames["orders"]["order_id"].max()) + 7
    lines = lines.sort_values("order_id", kind="stable").reset_index(drop=True)
    frames["order_products"] = lines if in_order else lines.sample(frac=1.0, random_state=3)
    frames["orders"] = frames["orders"].sort_values("order_id").reset_index(drop=True)
    executor = PandasExecutor(spec.model, frames)
    if in_order:  # the lines and the orders in order id order: no positions are built
        positions = executor.positions
        executor.positions = lambda relation: (  # type: ignore[method-assign]
            pytest.fail("positions built") if relation.parent == "orders" else positions(relation)
        )
    for relation in spec.model.relations:
        parent = executor.frames[relation.parent][spec.model.key_of(relation.parent)]
        child = executor.frames[relation.child][relation.column]
        counts = child.value_counts()
        expected = [int((~child.isin(parent)).sum())]
        expected += [int(counts.get(key, 0)) for key in parent]
        assert executor.rows_per_parent(relation).tolist() == expected, relation
        if relation.child == "order_products" and relation.parent == "orders":
            assert expected[0] == 1  # the line planted with a missing order
            assert 0 in expected[1:]  # the order whose lines were taken out
