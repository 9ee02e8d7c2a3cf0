"""A section's full table, shown table and total against plain pandas on generated data, on both
engines: declared categories no row has, every group in the export, totals that re-aggregate, a
real category called Other, missing group values as "Not stated", and minimum support."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from reportgen.engine.finish import SectionResult, run_section
from reportgen.engine.pandas_engine import PandasExecutor
from reportgen.spec.yaml_reader import read_yaml

Planner = Callable[[Path], Any]  # the ``planned`` fixture of conftest.py
EAST = ["New York", "Maine", "Vermont", "Ohio", "Texas"]
BLANK_EVERY = 7  # every 7th customer row has no family status

FIELDS = {
    "test_region": {
        "type": "map",
        "on": "customers",
        "column": "state",
        "groups": {"East": EAST, "Atlantis": ["Atlantis"]},
        "default": "Elsewhere",
    },
    "age_band": {
        "type": "bins",
        "on": "customers",
        "column": "age",
        "edges": [17, 39, 59],
        "labels": ["Children", "18–39", "40–59", "60+"],
    },
}
METRICS = {
    "region_share": "share(customers, within=test_region)",
    "line_share": "share(order_lines)",
}
SECTIONS = [
    {
        "id": "regions",
        "title": "Regions",
        "query": {
            "by": ["test_region"],
            "metrics": ["customers", "orders", "mean_income", "avg_order_value", "share_customers"],
        },
    },
    {
        "id": "age-family",
        "title": "Age and family",
        "query": {
            "by": ["age_band", "fam_status"],
            "metrics": ["customers", "mean_income"],
        },
    },
    {
        "id": "region-age",
        "title": "Region and age",
        "query": {"by": ["test_region", "age_band"], "metrics": ["customers", "region_share"]},
    },
    {
        "id": "departments",
        "title": "Departments",
        "query": {
            "by": ["department"],
            "metrics": ["order_lines", "line_share"],
            "sort": "-order_lines",
            "top": 5,
        },
    },
    {
        "id": "family",
        "title": "Family",
        "query": {"by": ["fam_status"], "metrics": ["customers", "share_customers"]},
    },
    {
        "id": "family-top",
        "title": "Family, top 2",
        "query": {
            "by": ["fam_status"],
            "metrics": ["customers", "share_customers"],
            "sort": "-customers",
            "top": 2,
        },
    },
    {
        "id": "reorders",
        "title": "Reorders",
        "query": {
            "by": ["department"],
            "metrics": ["order_lines", "reorder_rate"],
            "sort": "-reorder_rate",
            "top": 4,
            "min_support": {"metric": "order_lines", "at_least": 3000},
        },
    },
]


@pytest.fixture(scope="module")
def project(new_project: Callable[[int, int], Path]) -> Path:
    """The shipped spec's model with these sections and no filters, on generated data where the
    largest department is called "Other" and some customers have no family status."""
    folder = new_project(600, 5)
    data = folder / "data"
    departments = (data / "departments.csv").read_text(encoding="utf-8")
    assert departments.count(",produce,") == 1  # the course's transposed layout
    (data / "departments.csv").write_text(departments.replace(",produce,", ",Other,"), "utf-8")
    with (data / "customers.csv").open(newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    status = rows[0].index("fam_status")
    for row in rows[1::BLANK_EVERY]:
        row[status] = ""
    with (data / "customers.csv").open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream, lineterminator="\n").writerows(rows)
    spec = read_yaml(folder / "report.yaml").data
    spec["filters"] = {}
    spec["fields"].update(FIELDS)
    spec["metrics"].update(METRICS)
    spec["sections"] = SECTIONS
    (folder / "spec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return folder / "spec.yaml"


@pytest.fixture(scope="module", params=["pandas", "dask"])
def computed(request: pytest.FixtureRequest, project: Path, planned: Planner) -> dict[str, Any]:
    """Every section's result (with its total) on one engine, and the loaded frames."""
    spec = planned(project)
    frames = spec.frames()
    if request.param == "pandas":
        executor: Any = PandasExecutor(spec.model, frames)
    else:
        from reportgen.engine.dask_engine import DaskExecutor

        cluster = request.getfixturevalue("cluster")
        executor = DaskExecutor(
            spec.model, frames, scheduler=cluster.scheduler_address, npartitions=3
        )
    try:
        results = {
            sid: run_section(spec.model, executor, plan, total=True)
            for sid, plan in spec.plans.items()
        }
    finally:
        if request.param == "dask":
            executor.close()
    return {"results": results, "frames": frames}


# ---- plain pandas over the loaded frames ------------------------------------------------------
def customers_of(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    customers = frames["customers"].copy()
    states = customers["state"].astype(str)
    customers["test_region"] = np.where(states.isin(EAST), "East", "Elsewhere")
    customers["age_band"] = pd.cut(
        customers["age"], [-np.inf, 17, 39, 59, np.inf], labels=FIELDS["age_band"]["labels"]
    ).astype(str)
    customers["fam_status"] = customers["fam_status"].astype(object).fillna("Not stated")
    return customers


def lines_of(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Order lines whose order, customer, product and department exist, with their columns."""
    products = frames["products"].merge(frames["departments"], on="department_id")
    orders = frames["orders"].merge(customers_of(frames), on="user_id")
    lines = frames["order_products"].merge(orders, on="order_id").merge(products, on="product_id")
    lines["department"] = lines["department"].astype(str)
    return lines


def region_table(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    customers = customers_of(frames)
    orders = frames["orders"].merge(customers, on="user_id")
    lines = lines_of(frames)
    table = pd.DataFrame(
        {
            "customers": customers.groupby("test_region").size(),
            "orders": orders.groupby("test_region").size(),
            "mean_income": customers.groupby("test_region")["income"].mean(),
            "revenue": lines.groupby("test_region")["prices"].sum(),
        }
    )
    table["avg_order_value"] = table["revenue"] / table["orders"]
    return table


# ---- declared categories ------------------------------------------------------------------------
def test_a_declared_group_no_row_has_is_there_with_zero_counts_and_missing_averages(
    computed: dict[str, Any],
) -> None:
    result: SectionResult = computed["results"]["regions"]
    table = result.full.set_index("test_region")
    assert table.index.tolist() == ["East", "Atlantis", "Elsewhere"]  # the declared order
    atlantis = table.loc["Atlantis"]
    assert atlantis["customers"] == 0
    assert atlantis["orders"] == 0
    assert atlantis["share_customers"] == 0.0
    assert np.isnan(atlantis["mean_income"])
    assert np.isnan(atlantis["avg_order_value"])
    expected = region_table(computed["frames"])
    for region in ("East", "Elsewhere"):
        for column in ("customers", "orders", "mean_income", "avg_order_value"):
            assert table.loc[region, column] == pytest.approx(expected.loc[region, column])
    assert result.shown is result.full  # no top: the table shows every group


def test_several_keys_complete_declared_levels_across_the_observed_values_of_the_others(
    computed: dict[str, Any],
) -> None:
    table = computed["results"]["age-family"].full
    customers = customers_of(computed["frames"])
    statuses = sorted(s for s in customers["fam_status"].unique() if s != "Not stated")
    bands = FIELDS["age_band"]["labels"]
    # Every band × every family status seen (missing ones last), bands in declared order.
    expected_keys = [(band, status) for band in bands for status in [*statuses, "Not stated"]]
    assert list(zip(table["age_band"], table["fam_status"], strict=True)) == expected_keys
    counts = customers.groupby(["age_band", "fam_status"]).size()
    incomes = customers.groupby(["age_band", "fam_status"])["income"].mean()
    for row in table.itertuples(index=False):
        key = (row.age_band, row.fam_status)
        assert row.customers == counts.get(key, 0), key
        if key in incomes:
            assert row.mean_income == pytest.approx(incomes[key])
        else:
            assert np.isnan(row.mean_income), key
    assert table[table["age_band"] == "Children"]["customers"].sum() == 0
    # Both keys declared: the full product, the empty combinations included.
    both = computed["results"]["region-age"].full
    assert len(both) == 3 * 4
    assert both[both["test_region"] == "Atlantis"]["customers"].tolist() == [0, 0, 0, 0]


# ---- the export: every group ----------------------------------------------------------------------
def test_the_full_table_holds_every_department_and_the_shown_one_the_top_plus_the_rest(
    computed: dict[str, Any],
) -> None:
    result: SectionResult = computed["results"]["departments"]
    counts = lines_of(computed["frames"])["department"].value_counts()
    full = result.full.set_index("department")
    assert sorted(full.index) == sorted(counts.index)  # every department, each once
    assert full["order_lines"].to_dict() == counts.to_dict()
    assert full["order_lines"].is_monotonic_decreasing  # the section's sort
    assert full["line_share"].sum() == pytest.approx(1.0)
    # The largest department is really called "Other": the bucket gets another label.
    assert full.loc["Other", "order_lines"] == counts.max()
    assert result.other_label == "All others"
    shown = result.shown
    assert shown["department"].tolist() == [*counts.index[:5], "All others"]
    assert shown["order_lines"].tolist() == [*counts.iloc[:5], counts.iloc[5:].sum()]
    assert shown["line_share"].sum() == pytest.approx(1.0)


# ---- totals ---------------------------------------------------------------------------------------
def test_a_total_re_aggregates_every_metric_over_all_rows(computed: dict[str, Any]) -> None:
    frames = computed["frames"]
    total = computed["results"]["regions"].total
    assert total is not None
    assert len(total) == 1
    customers = customers_of(frames)
    revenue = lines_of(frames)["prices"].sum()
    assert total["customers"].iloc[0] == len(customers)
    assert total["orders"].iloc[0] == len(frames["orders"])
    assert total["mean_income"].iloc[0] == pytest.approx(customers["income"].mean())
    assert total["avg_order_value"].iloc[0] == pytest.approx(revenue / len(frames["orders"]))
    assert total["share_customers"].iloc[0] == 1.0
    by_region = computed["results"]["regions"].full
    assert total["mean_income"].iloc[0] != pytest.approx(by_region["mean_income"].sum())


def test_a_share_within_a_column_has_no_total(computed: dict[str, Any]) -> None:
    total = computed["results"]["region-age"].total
    assert total is not None
    assert total.columns.tolist() == ["customers"]
    assert total["customers"].iloc[0] == len(computed["frames"]["customers"])
    departments = computed["results"]["departments"].total
    assert departments is not None
    assert departments["line_share"].iloc[0] == 1.0


# ---- missing group values -----------------------------------------------------------------------
def test_missing_group_values_are_a_not_stated_group_placed_last(computed: dict[str, Any]) -> None:
    customers = customers_of(computed["frames"])
    expected = customers["fam_status"].value_counts()
    blank = int(expected["Not stated"])
    assert blank > 0
    table = computed["results"]["family"].full
    assert table["fam_status"].iloc[-1] == "Not stated"
    assert table["customers"].iloc[-1] == blank
    assert table.set_index("fam_status")["customers"].to_dict() == expected.to_dict()
    assert table["customers"].sum() == len(customers)  # adds up to the other sections
    top: SectionResult = computed["results"]["family-top"]
    stated = expected.drop("Not stated").sort_values(ascending=False, kind="stable")
    assert top.shown["fam_status"].tolist() == [*stated.index[:2], "Not stated", "Other"]
    assert top.shown["customers"].tolist() == [
        *stated.iloc[:2],
        blank,
        stated.iloc[2:].sum(),
    ]
    assert top.other_label == "Other"
    assert top.full["fam_status"].iloc[-1] == "Not stated"  # last even when sorted by count


# ---- minimum support ------------------------------------------------------------------------------
def test_groups_below_the_minimum_support_go_to_the_other_bucket(computed: dict[str, Any]) -> None:
    lines = lines_of(computed["frames"])
    grouped = lines.groupby("department")["reordered"].agg(["size", "mean"])
    supported = grouped[grouped["size"] >= 3000].sort_values("mean", ascending=False)
    assert len(supported) > 4  # the data leaves enough departments to rank
    assert (grouped["size"] < 3000).any()
    best_overall = grouped["mean"].idxmax()
    result: SectionResult = computed["results"]["reorders"]
    shown = result.shown
    kept = supported.index[:4].tolist()
    assert shown["department"].tolist() == [*kept, "All others"]
    assert shown["order_lines"].iloc[-1] == len(lines) - supported["size"].iloc[:4].sum()
    assert shown["reorder_rate"].iloc[:4].tolist() == pytest.approx(
        supported["mean"].iloc[:4].tolist()
    )
    if best_overall not in supported.index:
        assert best_overall not in shown["department"].tolist()
    assert len(result.full) == len(grouped)  # the full table still holds every department
