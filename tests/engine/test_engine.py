"""Every field and metric kind, on both engines, against hand-computed values on tiny frames."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from reportgen.engine.finish import run_section
from reportgen.engine.pandas_engine import PandasExecutor
from reportgen.engine.plan import plan_section
from reportgen.model.build import build_model
from reportgen.spec.models import AnalysisSection, Spec

FRAMES = {
    "customers": pd.DataFrame(
        {
            "user_id": [1, 2, 3, 4],
            "state": pd.Categorical(["Ohio", "Texas", "Ohio", "Maine"]),
            "age": [25, 70, 40, 33],
            "n_dependants": [1, 0, 2, 0],
        }
    ),
    "orders": pd.DataFrame(
        {
            "order_id": [10, 11, 12, 13, 14, 15, 16],
            "user_id": [1, 1, 1, 2, 3, 3, 9],  # user 9 does not exist: order 16 is an orphan
            "order_number": [1, 2, 3, 1, 1, 2, 1],
            "order_dow": [0, 1, 0, 0, 2, 6, 3],
            "days": [np.nan, 7.0, 3.0, np.nan, np.nan, 30.0, np.nan],
        }
    ),
    "products": pd.DataFrame(
        {
            "product_id": [100, 101, 102],
            "prices": [2.0, 10.0, 20.0],
            "department": pd.Categorical(["produce", "babies", "produce"]),
        }
    ),
    "lines": pd.DataFrame(
        {
            "order_id": [10, 10, 11, 12, 13, 14, 15, 15, 16, 99],
            "product_id": [100, 101, 102, 100, 100, 101, 102, 100, 100, 100],
            "reordered": [0, 0, 0, 1, 0, 0, 0, 1, 0, 0],
        }
    ),
}

BASE: dict[str, Any] = {
    "report": {"title": "T"},
    "data": {
        "lines": {"path": "l.csv"},
        "orders": {"path": "o.csv", "key": "order_id"},
        "products": {"path": "p.csv", "key": "product_id"},
        "customers": {"path": "c.csv", "key": "user_id"},
    },
    "relations": [
        "lines.order_id -> orders",
        "lines.product_id -> products",
        "orders.user_id -> customers",
    ],
    "metrics": {
        "orders": "count(orders)",
        "lines": "count(lines)",
        "customers": "count(customers)",
        "revenue": "sum(products.prices, over=lines)",
        "aov": "revenue / orders",
        "item_price": "mean(products.prices, over=lines)",
        "median_price": "median(products.prices, over=lines)",
        "max_price": "max(products.prices, over=lines)",
        "min_price": "min(products.prices, over=lines)",
        "buyers": "count_distinct(orders.user_id, over=lines)",
        "revenue_share": "share(revenue)",
        "reorders": "sum(lines.reordered)",
        "baby_lines": "count(lines, where=\"department == 'babies'\")",
    },
}


Run = Callable[..., list[pd.DataFrame]]


@pytest.fixture(params=["pandas", "dask"])
def run(request: pytest.FixtureRequest) -> Run:
    """``run(sections, **spec)``: each section's shown table, on one engine (Dask: the lines
    in two partitions on the module's cluster)."""

    def run_on(sections: list[dict[str, Any]], **extra: Any) -> list[pd.DataFrame]:
        spec = Spec.model_validate({**BASE, **extra, "sections": sections})
        model, issues = build_model(spec, {k: list(v.columns) for k, v in FRAMES.items()})
        assert issues == []
        executor: Any
        if request.param == "pandas":
            executor = PandasExecutor(model, FRAMES)
        else:
            from reportgen.engine.dask_engine import DaskExecutor

            cluster = request.getfixturevalue("cluster")
            executor = DaskExecutor(
                model, FRAMES, scheduler=cluster.scheduler_address, npartitions=2
            )
        try:
            results = []
            for section in spec.sections:
                assert isinstance(section, AnalysisSection)
                results.append(run_section(model, executor, plan_section(model, section)).shown)
            return results
        finally:
            executor.close()

    return run_on


def section(by: list[str], metrics: list[str], **query: Any) -> dict[str, Any]:
    return {"id": "s", "title": "S", "query": {"by": by, "metrics": metrics, **query}}


def as_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: (round(v, 6) if isinstance(v, float) else v) for k, v in r.items()}
        for r in frame.to_dict("records")
    ]


def test_totals_exclude_orphans_everywhere(run: Run) -> None:
    # Order 16 belongs to a missing customer; line 99 to a missing order: both excluded.
    (table,) = run([section([], ["orders", "lines", "customers", "revenue", "aov"])])
    assert as_records(table) == [
        {"orders": 6, "lines": 8, "customers": 4, "revenue": 68.0, "aov": round(68 / 6, 6)}
    ]


def test_aggregations_by_a_parent_column(run: Run) -> None:
    (table,) = run(
        [
            section(
                ["orders.order_dow"],
                [
                    "lines",
                    "revenue",
                    "item_price",
                    "median_price",
                    "max_price",
                    "min_price",
                    "buyers",
                ],
            )
        ]
    )
    # dow 0: orders 10 (2+10), 12 (2), 13 (2) → prices [2, 10, 2, 2]
    # dow 1: order 11 (20); dow 2: order 14 (10); dow 6: order 15 (20 + 2)
    assert as_records(table) == [
        {
            "order_dow": 0,
            "lines": 4,
            "revenue": 16.0,
            "item_price": 4.0,
            "median_price": 2.0,
            "max_price": 10.0,
            "min_price": 2.0,
            "buyers": 2,
        },
        {
            "order_dow": 1,
            "lines": 1,
            "revenue": 20.0,
            "item_price": 20.0,
            "median_price": 20.0,
            "max_price": 20.0,
            "min_price": 20.0,
            "buyers": 1,
        },
        {
            "order_dow": 2,
            "lines": 1,
            "revenue": 10.0,
            "item_price": 10.0,
            "median_price": 10.0,
            "max_price": 10.0,
            "min_price": 10.0,
            "buyers": 1,
        },
        {
            "order_dow": 6,
            "lines": 2,
            "revenue": 22.0,
            "item_price": 11.0,
            "median_price": 11.0,
            "max_price": 20.0,
            "min_price": 2.0,
            "buyers": 1,
        },
    ]


def test_bins_map_weekday_cases_and_aggregate_fields(run: Run) -> None:
    fields = {
        "price_range": {
            "type": "bins",
            "on": "products",
            "column": "prices",
            "edges": [5, 15],
            "labels": ["Low", "Mid", "High"],
        },
        "region": {
            "type": "map",
            "on": "customers",
            "column": "state",
            "groups": {"Midwest": ["Ohio"], "South": ["Texas"]},
            "default": "Elsewhere",
        },
        "day": {"type": "weekday", "on": "orders", "column": "order_dow"},
        "max_order": {
            "type": "aggregate",
            "on": "customers",
            "func": "max",
            "of": "orders.order_number",
        },
        "median_days": {
            "type": "aggregate",
            "on": "customers",
            "func": "median",
            "of": "orders.days",
        },
        "loyalty": {
            "type": "cases",
            "on": "customers",
            "cases": [
                {"when": "max_order > 2", "then": "Loyal"},
                {"when": "max_order > 1", "then": "Regular"},
            ],
            "else": "New",
        },
        "parent": {
            "type": "cases",
            "on": "customers",
            "cases": [{"when": "age < 40 and n_dependants > 0", "then": "Young parent"}],
            "else": "Other adult",
        },
        "baby": {
            "type": "aggregate",
            "on": "customers",
            "func": "any",
            "over": "lines",
            "where": "department == 'babies'",
        },
        "doubled": {"type": "expr", "on": "products", "expr": "prices * 2"},
    }
    tables = run(
        [
            section(["price_range"], ["lines", "revenue"]),
            section(["region"], ["customers"]),
            section(["day"], ["orders"]),
            section(["loyalty"], ["customers", "orders"]),
            section(["parent"], ["customers"]),
            section(["baby"], ["customers"]),
            section(["doubled"], ["lines"]),
            section(["customers.user_id"], ["customers"], where="median_days >= 7"),
        ],
        fields=fields,
    )
    price, region, day, loyalty, parent, baby, doubled, median = tables
    assert as_records(price) == [
        {"price_range": "Low", "lines": 4, "revenue": 8.0},
        {"price_range": "Mid", "lines": 2, "revenue": 20.0},
        {"price_range": "High", "lines": 2, "revenue": 40.0},
    ]
    assert as_records(region) == [
        {"region": "Midwest", "customers": 2},
        {"region": "South", "customers": 1},
        {"region": "Elsewhere", "customers": 1},
    ]
    # Day 0 is Saturday by default: dow 0 → Saturday, 1 → Sunday, 2 → Monday, 6 → Friday;
    # the weekdays no order falls on are there too, with no orders.
    assert as_records(day) == [
        {"day": "Saturday", "orders": 3},
        {"day": "Sunday", "orders": 1},
        {"day": "Monday", "orders": 1},
        {"day": "Tuesday", "orders": 0},
        {"day": "Wednesday", "orders": 0},
        {"day": "Thursday", "orders": 0},
        {"day": "Friday", "orders": 1},
    ]
    # Customer 4 has no orders: max_order is missing, so 'New' (the else).
    assert as_records(loyalty) == [
        {"loyalty": "Loyal", "customers": 1, "orders": 3},
        {"loyalty": "Regular", "customers": 1, "orders": 2},
        {"loyalty": "New", "customers": 2, "orders": 1},
    ]
    assert as_records(parent) == [
        {"parent": "Young parent", "customers": 1},
        {"parent": "Other adult", "customers": 3},
    ]
    assert as_records(baby) == [{"baby": False, "customers": 2}, {"baby": True, "customers": 2}]
    assert as_records(doubled) == [
        {"doubled": 4.0, "lines": 4},
        {"doubled": 20.0, "lines": 2},
        {"doubled": 40.0, "lines": 2},
    ]
    # median days: user 1 → median(7, 3) = 5; user 3 → 30; others none.
    assert as_records(median) == [{"user_id": 3, "customers": 1}]


def test_global_filter_on_an_aggregate_field_applies_to_every_table(run: Run) -> None:
    fields = {
        "max_order": {
            "type": "aggregate",
            "on": "customers",
            "func": "max",
            "of": "orders.order_number",
        }
    }
    filters = {"active": {"on": "customers", "where": "max_order >= 2"}}
    (table,) = run(
        [section([], ["customers", "orders", "lines", "revenue"])], fields=fields, filters=filters
    )
    # Users 1 (max 3) and 3 (max 2) remain: orders 10, 11, 12, 14, 15; their lines 10×2, 11, 12, 14, 15×2.
    assert as_records(table) == [{"customers": 2, "orders": 5, "lines": 7, "revenue": 66.0}]


def test_share_top_n_with_other_and_sort(run: Run) -> None:
    (table,) = run(
        [section(["orders.order_dow"], ["revenue", "revenue_share"], sort="-revenue", top=2)]
    )
    assert as_records(table) == [
        {"order_dow": 6, "revenue": 22.0, "revenue_share": round(22 / 68, 6)},
        {"order_dow": 1, "revenue": 20.0, "revenue_share": round(20 / 68, 6)},
        {"order_dow": "Other", "revenue": 26.0, "revenue_share": round(26 / 68, 6)},
    ]


def test_metric_where_and_section_where(run: Run) -> None:
    (table,) = run([section(["orders.order_dow"], ["baby_lines", "reorders"], where="prices < 15")])
    assert as_records(table) == [
        {"order_dow": 0, "baby_lines": 1, "reorders": 1},
        {"order_dow": 2, "baby_lines": 1, "reorders": 0},
        {"order_dow": 6, "baby_lines": 0, "reorders": 1},
    ]


@pytest.mark.parametrize(
    ("metric", "message"),
    [
        ("summ(products.prices)", "unknown aggregation 'summ'; did you mean 'sum'?"),
        (
            "sum(products.price)",
            "unknown column or field 'price' in table 'products'; did you mean 'prices'?",
        ),
        ("count(customers) / nothing", "'nothing' in a metric formula must be another metric"),
        ("sum(prices)", "write the column as table.column in sum(prices), or add over=TABLE"),
    ],
)
def test_metric_errors_are_reported(metric: str, message: str) -> None:
    spec = Spec.model_validate(
        {**BASE, "metrics": {"bad": metric}, "sections": [section([], ["bad"])]}
    )
    _, issues = build_model(spec, {k: list(v.columns) for k, v in FRAMES.items()})
    assert any(message in issue.message for issue in issues), issues


def test_cyclic_fields_are_reported() -> None:
    fields = {
        "a": {"type": "expr", "on": "customers", "expr": "b + 1"},
        "b": {"type": "expr", "on": "customers", "expr": "a + 1"},
    }
    spec = Spec.model_validate({**BASE, "fields": fields, "sections": [section([], ["customers"])]})
    _, issues = build_model(spec, {k: list(v.columns) for k, v in FRAMES.items()})
    assert [i.message for i in issues] == ["field 'a' depends on itself: a → b → a"]


def test_grouping_by_an_unreachable_table_is_an_error() -> None:
    spec = Spec.model_validate(
        {**BASE, "sections": [section(["products.department"], ["customers"])]}
    )
    _, issues = build_model(spec, {k: list(v.columns) for k, v in FRAMES.items()})
    assert [i.message for i in issues] == [
        "'products.department' cannot be used from table 'customers': there is no many-to-one relation path from 'customers' to 'products'"
    ]


def test_min_support_must_name_one_of_the_querys_metrics() -> None:
    support = {"metric": "revenue", "at_least": 2}
    spec = Spec.model_validate(
        {**BASE, "sections": [section(["products.department"], ["lines"], min_support=support)]}
    )
    _, issues = build_model(spec, {k: list(v.columns) for k, v in FRAMES.items()})
    assert [(issue.loc, issue.message) for issue in issues] == [
        (
            ("sections", 0, "query", "min_support", "metric"),
            "min_support needs one of the query's metrics, not 'revenue' (metrics: lines)",
        )
    ]


def test_min_support_keeps_small_groups_out_of_the_top(run: Run) -> None:
    # Lines per department: produce 6 (prices 2, 2, 2, 2, 20, 20), babies 2 (10, 10).
    query = {"sort": "-item_price", "top": 1}
    plain, supported = run(
        [
            section(["products.department"], ["lines", "item_price"], **query),
            section(
                ["products.department"],
                ["lines", "item_price"],
                **query,
                min_support={"metric": "lines", "at_least": 3},
            ),
        ]
    )
    assert as_records(plain) == [
        {"department": "babies", "lines": 2, "item_price": 10.0},
        {"department": "Other", "lines": 6, "item_price": round(48 / 6, 6)},
    ]
    assert as_records(supported) == [
        {"department": "produce", "lines": 6, "item_price": 8.0},
        {"department": "Other", "lines": 2, "item_price": 10.0},
    ]
