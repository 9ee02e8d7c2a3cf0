"""The data-quality numbers: every table reconciles (read − each step = used) on both engines,
each step against a hand count or a plain pandas computation; declared categories with no rows
are found, stored, warned about and tabulated."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from reportgen.cli import main
from reportgen.data.generate import generate
from reportgen.data.load import load_table
from reportgen.data.quality import Unused, unused_categories
from reportgen.engine.pandas_engine import PandasExecutor
from reportgen.model.params import bind
from reportgen.model.quality import DataQuality
from reportgen.model.resolve import check_headers
from reportgen.spec.load import load_spec
from reportgen.spec.models import Spec
from reportgen.stages.quality import quality_numbers

ROOT = Path(__file__).resolve().parents[2]

# Three levels of parents, orphans at each, a filter on three tables, cleaning on one.
FILES = {
    "regions.csv": "region_id,name\n1,North\n2,South\n3,East\n",
    "customers.csv": (
        "user_id,region_id,status\n"
        "1,1,active\n"
        "2,1,active\n"
        "3,2,closed\n"  # fails its filter
        "4,9,active\n"  # region 9 does not exist
        "5,3,active\n"  # its region (East) is filtered out
        "6,3,closed\n"  # fails its filter and its region is out: counted at the filter
    ),
    "orders.csv": (
        "order_id,user_id,day\n"
        "10,1,Mon\n"
        "11,1,Sat\n"
        "12,2,Tue\n"
        "13,3,Wed\n"  # customer 3 excluded
        "14,4,Thu\n"  # customer 4 excluded
        "15,5,Fri\n"  # customer 5 excluded
        "16,7,Sun\n"  # customer 7 does not exist
        "17,2,Sun\n"
    ),
    "items.csv": (
        "item_id,kind,price\n"
        "100,fruit,1.0\n"
        "101,veg,2.0\n"
        "102,,3.0\n"  # empty kind: dropped in cleaning
        "100,fruit,1.0\n"  # an exact repeat: dropped
        "103,toy,200\n"  # price outside the valid range: blanked, the row kept
    ),
    "lines.csv": (
        "line_id,order_id,item_id,qty\n"
        "1,10,100,1\n"
        "2,10,101,2\n"
        "3,11,102,1\n"  # item 102 was removed in cleaning
        "4,12,100,3\n"  # fails the line filter
        "5,13,100,1\n"  # order 13 excluded
        "6,16,100,1\n"  # order 16 excluded (its customer is missing)
        "7,99,100,1\n"  # order 99 does not exist
        "8,99,555,1\n"  # neither order nor item exists: counted once, at the order
        "9,15,555,1\n"  # order 15 is there (excluded), item 555 is not: counted at the item
        "10,17,103,2\n"
        "11,14,101,1\n"  # order 14 excluded
        "12,13,101,5\n"  # fails the line filter and its order is out: counted at the filter
    ),
}
SPEC: dict[str, Any] = {
    "report": {"title": "Quality check"},
    "data": {
        "regions": {"path": "regions.csv", "key": "region_id"},
        "customers": {"path": "customers.csv", "key": "user_id"},
        "orders": {"path": "orders.csv", "key": "order_id"},
        "items": {
            "path": "items.csv",
            "key": "item_id",
            "clean": {
                "drop_missing": ["kind"],
                "drop_duplicates": True,
                "duplicate_keys": "first",
                "valid": {"price": {"min": 0, "max": 100}},
            },
        },
        "lines": {"path": "lines.csv", "key": "line_id"},
    },
    "relations": [
        "lines.order_id -> orders",
        "lines.item_id -> items",
        "orders.user_id -> customers",
        "customers.region_id -> regions",
    ],
    "fields": {
        "side": {
            "type": "map",
            "on": "regions",
            "column": "name",
            "groups": {"Cold": ["North", "Arctic"], "Warm": ["South"]},
            "default": "Elsewhere",
        },
        "day_type": {
            "type": "map",
            "on": "orders",
            "column": "day",
            "groups": {
                "Weekend": ["Saturday", "Sunday"],
                "Weekday": ["Mon", "Tue", "Wed", "Thu", "Fri"],
            },
            "default": "Unknown",
        },
        "cheap": {
            "type": "cases",
            "on": "items",
            "cases": [
                {"when": "price < 1", "then": "Tiny"},
                {"when": "price < 5", "then": "Cheap"},
            ],
            "else": "Dear",
        },
        "size": {
            "type": "map",
            "on": "lines",
            "column": "qty",
            "values": {"1": "one", "9": "nine"},
        },
    },
    "filters": {
        "no_east": {"on": "regions", "where": "name != 'East'"},
        "active_only": {"on": "customers", "where": "status == 'active'"},
        "small_lines": {"on": "lines", "where": "qty < 3"},
    },
    "metrics": {"lines": "count(lines)", "orders": "count(orders)"},
    "sections": [
        {"id": "methods", "type": "definitions", "title": "Methods"},
        {"id": "by-day", "title": "By day", "query": {"by": ["day_type"], "metrics": ["orders"]}},
        {"id": "by-side", "title": "By side", "query": {"by": ["side"], "metrics": ["orders"]}},
        {"id": "by-price", "title": "By price", "query": {"by": ["cheap"], "metrics": ["lines"]}},
        {"id": "quality", "type": "data_quality", "title": "Data quality"},
    ],
}
# (step kind, relation's parent or filter name, rows), each row at its first step.
EXPECTED_STEPS = {
    "regions": [("filter", "no_east", 1)],
    "customers": [
        ("missing", "regions", 1),
        ("filter", "active_only", 2),
        ("excluded", "regions", 1),
    ],
    "orders": [("missing", "customers", 1), ("excluded", "customers", 3)],
    "items": [],
    "lines": [
        ("missing", "orders", 2),
        ("missing", "items", 2),
        ("filter", "small_lines", 2),
        ("excluded", "orders", 3),
        ("excluded", "items", 0),
    ],
}
EXPECTED_USED = {"regions": 2, "customers": 2, "orders": 4, "items": 3, "lines": 3}


def _write_project(folder: Path) -> Path:
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    spec = folder / "report.yaml"
    spec.write_text(yaml.safe_dump(SPEC, sort_keys=False), encoding="utf-8")
    return spec


def _loaded_tables(
    spec_path: Path, params: dict[str, str] | None = None
) -> tuple[Any, dict[str, Any]]:
    loaded = bind(load_spec(spec_path), params)  # parameters given, else at their defaults
    model, _ = check_headers(loaded)
    tables = {
        name: load_table(name, table, loaded.base_dir) for name, table in model.spec.data.items()
    }
    return model, tables


def _numbers(model: Any, executor: Any, tables: dict[str, Any]) -> tuple[dict, dict]:
    """The quality numbers as the pipeline computes them, through the cache's JSON form."""
    quality = DataQuality.from_json(quality_numbers(model, executor, tables).to_json())
    return quality.tables, quality.numbers()


def _short(steps: list[tuple[str, Any, int]]) -> list[tuple[str, str, int]]:
    return [(kind, what if kind == "filter" else what.parent, n) for kind, what, n in steps]


def _assert_reconciles(qualities: dict, numbers: dict) -> None:
    for table, quality in qualities.items():
        cleaned = sum(e.rows for e in quality.exclusions if e.dropped)
        steps = sum(count for _, _, count in numbers["steps"][table])
        assert quality.rows_read - cleaned == quality.rows_kept, table
        assert quality.rows_read - cleaned - steps == numbers["used"][table], table


@pytest.fixture(scope="module")
def hand_made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hand-made")
    _write_project(folder)
    return folder


def _executor(engine: str, model: Any, tables: dict[str, Any]) -> Any:
    frames = {name: table.frame for name, table in tables.items()}
    if engine == "pandas":
        return PandasExecutor(model, frames)
    pytest.importorskip("distributed")
    from reportgen.engine.dask_engine import DaskExecutor

    return DaskExecutor(model, frames, npartitions=3)


@pytest.mark.parametrize("engine", ["pandas", "dask"])
def test_hand_made_steps_reconcile(hand_made: Path, engine: str) -> None:
    model, tables = _loaded_tables(hand_made / "report.yaml")
    executor = _executor(engine, model, tables)
    try:
        qualities, numbers = _numbers(model, executor, tables)
    finally:
        if engine == "dask":
            executor.close()
    assert {t: _short(s) for t, s in numbers["steps"].items()} == EXPECTED_STEPS
    assert numbers["used"] == EXPECTED_USED
    items = qualities["items"]
    assert (items.rows_read, items.rows_kept) == (5, 3)  # one empty kind, one repeat
    _assert_reconciles(qualities, numbers)
    assert numbers["filters"] == [
        ("no_east", "regions", 1),
        ("active_only", "customers", 2),
        ("small_lines", "lines", 2),
    ]
    # rows of each declared category among the rows used (lines is a fact table: not checked)
    assert numbers["declared"] == {
        "side": {
            "labels": {"Cold": 1, "Warm": 1, "Elsewhere": 0},
            "values": {"North": 1, "Arctic": 0, "South": 1},
        },
        "day_type": {
            "labels": {"Weekend": 0, "Weekday": 2, "Unknown": 2},
            "values": {
                "Saturday": 0,
                "Sunday": 0,
                "Mon": 1,
                "Tue": 1,
                "Wed": 0,
                "Thu": 0,
                "Fri": 0,
            },
        },
        "cheap": {"labels": {"Tiny": 0, "Cheap": 2, "Dear": 1}},
    }


def test_unused_categories_of_the_hand_made_counts(hand_made: Path) -> None:
    model, tables = _loaded_tables(hand_made / "report.yaml")
    executor = PandasExecutor(model, {n: t.frame for n, t in tables.items()})
    found = quality_numbers(model, executor, tables).unused(model.spec)
    assert [(u.field, u.kind, u.label, u.value) for u in found] == [
        ("side", "value", "Cold", "Arctic"),
        ("side", "default", "Elsewhere", ""),
        ("day_type", "group", "Weekend", "Saturday, Sunday"),
        ("day_type", "value", "Weekday", "Wed"),
        ("day_type", "value", "Weekday", "Thu"),
        ("day_type", "value", "Weekday", "Fri"),
        ("cheap", "outcome", "Tiny", "price < 1"),
    ]
    assert found[0].loc == ("fields", "side", "groups", "Cold", 1)


def test_unused_values_and_else_of_a_plain_map_and_cases() -> None:
    spec = Spec.model_validate(
        {
            "report": {"title": "T"},
            "data": {"t": {"path": "t.csv"}},
            "fields": {
                "m": {"type": "map", "on": "t", "column": "c", "values": {"1": "A", "2": "B"}},
                "k": {
                    "type": "cases",
                    "on": "t",
                    "cases": [{"when": "c > 1", "then": "X"}],
                    "else": "Y",
                },
            },
            "metrics": {"n": "count(t)"},
            "sections": [{"id": "q", "type": "data_quality", "title": "Q"}],
        }
    )
    counts = {"labels": {"A": 3, "B": 0}, "values": {"1": 3, "2": 0}}
    assert unused_categories("m", spec.fields["m"], counts) == [
        Unused("m", "value", "B", "2", ("fields", "m", "values", "2"))
    ]
    assert unused_categories("k", spec.fields["k"], {"labels": {"X": 4, "Y": 0}}) == [
        Unused("k", "outcome", "Y", "", ("fields", "k", "else"))
    ]


def test_build_warns_and_tabulates_unused_categories(hand_made: Path, capsys: Any) -> None:
    spec = hand_made / "report.yaml"
    out = hand_made / "out"
    out.mkdir(exist_ok=True)
    args = [str(spec), "--format", "html", "--no-cache", "--output-dir", str(out)]
    assert main(args) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning:" in line]
    text = spec.read_text(encoding="utf-8").splitlines()
    assert len(warnings) == 7
    first = warnings[0]  # located at the value in the YAML
    line = int(first.split(":")[1])
    assert "Arctic" in text[line - 1]
    assert "the value 'Arctic' listed under 'Cold' matches no row of regions" in first
    assert any("no row of orders has a value listed under 'Weekend'" in w for w in warnings)
    assert any("no row of items is 'Tiny'" in w for w in warnings)
    html = (out / "quality-check.html").read_text(encoding="utf-8")
    assert "Declared but unused" in html
    assert "The value “Arctic” listed under it matches no region" in html
    assert "None of its values (Saturday, Sunday) occurs, so no order falls in it" in html
    assert main([*args, "--quiet"]) == 0
    assert "warning" not in capsys.readouterr().err


# ---- the shipped spec on generated data, against plain pandas -----------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    generate(folder / "data", customers=300, seed=8, progress=False)
    shutil.copy(ROOT / "report.yaml", folder / "report.yaml")
    return folder


def _plain_steps(tables: dict[str, Any]) -> dict[str, list[int]]:
    """The shipped spec's steps, computed with merges and isin, as an analyst would."""
    customers = tables["customers"].frame
    orders = tables["orders"].frame
    lines = tables["order_products"].frame
    products = tables["products"].frame
    departments = tables["departments"].frame
    prior = orders[orders["eval_set"] == "prior"]
    max_order = prior.groupby("user_id")["order_number"].max()
    customer_max = customers["user_id"].map(max_order)
    active = customers.loc[customer_max >= 5, "user_id"]
    customer_found = orders["user_id"].isin(customers["user_id"])
    is_prior = orders["eval_set"] == "prior"
    used_orders = orders.loc[customer_found & is_prior & orders["user_id"].isin(active), "order_id"]
    department_found = products["department_id"].isin(departments["department_id"])
    order_found = lines["order_id"].isin(orders["order_id"])
    product_found = lines["product_id"].isin(products["product_id"])
    used_products = products.loc[department_found, "product_id"]
    line_order_out = order_found & product_found & ~lines["order_id"].isin(used_orders)
    line_product_out = (
        order_found & product_found & ~line_order_out & ~lines["product_id"].isin(used_products)
    )
    return {
        "customers": [int((customer_max.isna() | (customer_max < 5)).sum())],
        "orders": [
            int((~customer_found).sum()),
            int((customer_found & ~is_prior).sum()),
            int((customer_found & is_prior & ~orders["user_id"].isin(active)).sum()),
        ],
        "products": [int((~department_found).sum()), 0],
        "departments": [],
        "order_products": [
            int((~order_found).sum()),
            int((order_found & ~product_found).sum()),
            int(line_order_out.sum()),
            int(line_product_out.sum()),
        ],
    }


@pytest.mark.parametrize("engine", ["pandas", "dask"])
def test_shipped_spec_reconciles_against_plain_pandas(generated: Path, engine: str) -> None:
    model, tables = _loaded_tables(generated / "report.yaml")
    executor = _executor(engine, model, tables)
    try:
        qualities, numbers = _numbers(model, executor, tables)
    finally:
        if engine == "dask":
            executor.close()
    _assert_reconciles(qualities, numbers)
    steps = {t: [n for _, _, n in s] for t, s in numbers["steps"].items()}
    assert steps == _plain_steps(tables)
    assert steps["order_products"][1] > 0  # the lines of products removed in cleaning
    assert steps["orders"][2] > 0  # the orders of inactive customers
    assert isinstance(numbers["declared"]["region"]["values"]["Ohio"], int)
    assert pd.Series(numbers["declared"]["region"]["labels"]).sum() == numbers["used"]["customers"]


@pytest.mark.parametrize("engine", ["pandas", "dask"])
def test_a_region_report_finds_every_region_in_the_data(generated: Path, engine: str) -> None:
    """The South report filters customers to the South, and a filter on customers' orders
    (max_order) is decided under it: the other regions are still in the data, not unused."""
    model, tables = _loaded_tables(generated / "report.yaml", {"region": "South"})
    executor = _executor(engine, model, tables)
    try:
        quality = quality_numbers(model, executor, tables)
    finally:
        if engine == "dask":
            executor.close()
    customers = tables["customers"].frame
    states = customers.loc[customers["state"].notna(), "state"].value_counts()
    region = quality.declared["region"]
    assert all(region["values"][state] == count for state, count in states.items())
    assert all(count > 0 for count in region["labels"].values())
    assert [u for u in quality.unused(model.spec) if u.field == "region"] == []
    assert quality.used["customers"] < sum(region["labels"].values())  # the report's rows: fewer
    # Each customer is excluded by the first filter that applies, in the spec's order: the
    # low-activity customers as in the report for all regions, then those of other regions.
    model_all, tables_all = _loaded_tables(generated / "report.yaml")
    every = quality_numbers(model_all, _executor("pandas", model_all, tables_all), tables_all)
    steps = {what: count for _, what, count in quality.steps["customers"]}
    low = {what: count for _, what, count in every.steps["customers"]}["active_customers"]
    assert steps == {
        "active_customers": low,
        "chosen_region": every.used["customers"] - quality.used["customers"],
    }
