"""The methods and data-quality tables read as plain English: definitions against hand-written
sentences, the narrative's thresholds from the spec, and no spec syntax in the shipped report."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from reportgen.data.generate import generate
from reportgen.data.load import load_table
from reportgen.engine.pandas_engine import PandasExecutor
from reportgen.model.build import build_model
from reportgen.model.params import bind
from reportgen.model.quality import DataQuality
from reportgen.model.resolve import check_headers
from reportgen.render.methods import (
    definitions_tables,
    describe_field,
    describe_filter,
    describe_metric,
    describe_table,
    section_filters,
)
from reportgen.render.quality_tables import quality_tables
from reportgen.render.wording_tables import wording_tables
from reportgen.spec.load import load_spec
from reportgen.spec.models import Spec, Thresholds
from reportgen.stages.quality import quality_numbers

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shipped() -> Any:
    """The shipped spec's model over the generated files' headers."""
    loaded = bind(load_spec(ROOT / "report.yaml"))  # parameters at their defaults
    columns = {
        "orders": [
            "order_id",
            "user_id",
            "eval_set",
            "order_number",
            "order_dow",
            "order_hour_of_day",
            "days_since_prior_order",
        ],
        "order_products": ["order_id", "product_id", "add_to_cart_order", "reordered"],
        "products": ["product_id", "product_name", "aisle_id", "department_id", "prices"],
        "departments": ["department_id", "department"],
        "customers": [
            "user_id",
            "gender",
            "state",
            "age",
            "date_joined",
            "n_dependants",
            "fam_status",
            "income",
        ],
    }
    model, issues = build_model(loaded.spec, columns)
    assert not issues
    return model


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "loyalty",
            "The course's loyalty flag. The first rule that applies decides: Loyal customer when "
            "highest order number is more than 40; Regular customer when highest order number is "
            "more than 10; otherwise New customer.",
        ),
        (
            "baby_buyer",
            "Yes when the customer has at least one order line where department is “babies”.",
        ),
        (
            "max_order",
            "The customer's number of orders in the data. The highest order number of the "
            "customer's orders.",
        ),
        (
            "mean_item_price",
            "Average price of the items a customer bought. The average price of the customer's "
            "order lines.",
        ),
        (
            "price_range",
            "The course's price ranges. Low when price is up to 5; Mid when price is more than 5 "
            "and up to 15; High when price is more than 15.",
        ),
        (
            "spender",
            "The course's spending flag. Low spender when mean item price is less than 10; "
            "otherwise High spender.",
        ),
    ],
)
def test_field_definitions_read_as_sentences(shipped: Any, name: str, expected: str) -> None:
    assert describe_field(shipped, name) == expected


def test_profile_rules_say_first_rule_once(shipped: Any) -> None:
    text = describe_field(shipped, "profile")
    assert text.startswith("Demographic profile. The first rule that applies decides: Senior when")
    assert "Young parent when age is less than 40 and number of dependants is more than 0;" in text
    assert text.count("first rule") == 1


def test_filters_and_metrics_read_as_sentences(shipped: Any) -> None:
    assert describe_filter(shipped, "active_customers") == (
        "Customers with fewer than 5 orders are excluded as low-activity. "
        "Kept: customers where highest order number is at least 5."
    )
    assert describe_filter(shipped, "prior_orders").endswith(
        "Kept: orders where order set is “prior”."
    )
    assert describe_metric(shipped, "orders") == "The number of orders."
    assert describe_metric(shipped, "order_lines") == "The number of order lines."
    assert describe_metric(shipped, "avg_order_value") == "Revenue divided by the number of orders."
    assert describe_metric(shipped, "high_spenders") == (
        "The number of customers where spending flag is “High spender”."
    )
    assert describe_metric(shipped, "share_orders") == "Each group's share of all orders."


@pytest.mark.parametrize(
    ("having", "said"),
    [
        ("customers > 0", "Only groups with customers are shown."),
        ("customers > 10", "Groups shown only where customers is more than 10."),
        ("revenue >= 1", "Groups shown only where revenue is at least 1."),
    ],
)
def test_a_result_filter_in_words(shipped: Any, having: str, said: str) -> None:
    from reportgen.spec.models import AnalysisSection, Query

    query = Query(by=["region"], metrics=["customers", "revenue"], having=having)
    assert section_filters(shipped, AnalysisSection(id="r", title="R", query=query)) == said


def test_tables_say_what_a_row_is_and_what_it_belongs_to(shipped: Any) -> None:
    assert describe_table(shipped, "order_products") == (
        "One row per product in an order (the prior order set, as in the course analysis). "
        "Each order line belongs to an order and a product."
    )
    assert describe_table(shipped, "departments") == "One row per department."


def _spec_with_wording(wording: dict[str, Any], sections: list[dict[str, Any]]) -> Any:
    spec = Spec.model_validate(
        {
            "report": {"title": "T"},
            "settings": {"wording": wording},
            "data": {"t": {"path": "t.csv"}},
            "metrics": {"lines": {"expr": "count(t)", "label": "Products ordered"}},
            "sections": sections,
        }
    )
    model, issues = build_model(spec, {"t": ["aisle"]})
    assert not issues
    return model


def test_every_threshold_is_listed_with_its_value() -> None:
    model = _spec_with_wording(
        {"similar_cv": 0.2, "majority": 0.6},
        [
            {
                "id": "aisles",
                "title": "Aisles",
                "query": {
                    "by": ["aisle"],
                    "metrics": ["lines"],
                    "min_support": {"metric": "lines", "at_least": 500},
                },
                "wording": {"wide_ratio": 2},
            },
            {"id": "m", "type": "definitions", "title": "Methods"},
        ],
    )
    words, overrides, support = wording_tables(model)
    rows = {word: meaning for word, meaning in words.rows}
    assert len(words.rows) == len(Thresholds.model_fields)
    assert rows["similar"].startswith("the values vary by less than 20% around their average")
    assert rows["varies widely"] == "the highest value is at least 1.5 times the lowest"
    assert rows["about the same"] == "two values differ by less than 5%"
    assert rows["similar, about the same (percentages)"] == (
        "percentages (shares, rates) differ by less than 2 percentage points, "
        "from the lowest to the highest"
    )
    assert rows["a majority"] == "a share of more than 60%"
    assert rows["by far the largest"] == "at least 1.5 times the next largest"
    assert rows["follows"] == "the two series have a correlation of at least 0.8"
    # only the key the section sets
    assert overrides.rows == [
        ["Aisles", "varies widely", "the highest value is at least 2 times the lowest"]
    ]
    assert support.rows == [
        ["Aisles", "Groups with fewer than 500 products ordered are not ranked"]
    ]


def test_no_overrides_no_extra_tables() -> None:
    model = _spec_with_wording({}, [{"id": "m", "type": "definitions", "title": "Methods"}])
    assert [b.caption for b in wording_tables(model)] == ["How the report's words are chosen"]


# ---- the shipped report: no spec syntax in any cell ------------------------------------------

SPEC_SYNTAX = re.compile(r"==|!=|>=|<=|count\(|\w_\w|report\.yaml|\(first rule that holds\)")


@pytest.fixture(scope="module")
def shipped_quality(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict, dict, list]:
    folder = tmp_path_factory.mktemp("shipped")
    generate(folder / "data", customers=200, seed=4, progress=False)
    shutil.copy(ROOT / "report.yaml", folder / "report.yaml")
    loaded = bind(load_spec(folder / "report.yaml"))  # parameters at their defaults
    model, _ = check_headers(loaded)
    tables = {n: load_table(n, t, loaded.base_dir) for n, t in model.spec.data.items()}
    executor = PandasExecutor(model, {n: t.frame for n, t in tables.items()})
    quality = DataQuality.from_json(quality_numbers(model, executor, tables).to_json())
    return model, quality.tables, quality.numbers(), quality.unused(model.spec)


def test_shipped_methods_and_appendix_have_no_spec_syntax(shipped_quality: Any) -> None:
    model, qualities, quality, unused = shipped_quality
    blocks = definitions_tables(model) + quality_tables(model, qualities, quality, unused)
    cells = [cell for block in blocks for row in block.rows for cell in row]
    assert len(cells) > 100
    offending = [cell for cell in cells if SPEC_SYNTAX.search(cell)]
    assert offending == []


def test_shipped_appendix_lists_the_steps_in_words(shipped_quality: Any) -> None:
    model, qualities, quality, _ = shipped_quality
    steps = quality_tables(model, qualities, quality)[0]
    texts = [row[1] for row in steps.rows]
    assert "Orders of customers excluded above" in texts
    assert "Order lines of orders excluded above" in texts
    assert (
        "Customers outside the filter ‘Active customers’ (kept: highest order number is at least 5)"
        in texts
    )
    assert "Products that repeat an earlier product ID (the first is kept)" in texts
    assert "Products with no product name" in texts
    # parents first: each "excluded above" names a table listed earlier
    tables = [row[0] for row in steps.rows if row[0]]
    assert tables.index("Customers") < tables.index("Orders") < tables.index("Order lines")
    # the printed numbers add up per table
    total = 0
    for row in steps.rows:
        value = int(row[2].replace(",", "").replace("−", "-"))
        if row[1] == "Rows read":
            total = value
        elif row[1] == "Used in the analysis":
            assert total == value, row
        else:
            total += value


def test_a_metric_named_like_its_column_is_not_the_columns_label() -> None:
    """A metric 'price' averaging the column 'price': the column is "price" wherever rows are
    meant (the aggregated value, a row condition), the metric "average price" where results
    are (a result filter). It read "the average average price over all stocks"."""
    from reportgen.spec.models import AnalysisSection, Query

    spec = Spec.model_validate(
        {
            "report": {"title": "Stocks"},
            "data": {"stocks": {"path": "stocks.csv"}},
            "metrics": {
                "price": {"expr": "mean(stocks.price)", "label": "Average price"},
                "dear": {"expr": 'count(stocks, where="price > 100")', "label": "Dear days"},
            },
            "sections": [{"id": "t", "type": "text", "title": "T", "text": "x"}],
        }
    )
    model, issues = build_model(spec, {"stocks": ["symbol", "date", "price"]})
    assert not issues
    assert describe_metric(model, "price") == "The average price over all stocks."
    assert describe_metric(model, "dear") == ("The number of stocks where price is more than 100.")
    query = Query(by=["symbol"], metrics=["price"], where="price > 5", having="price > 100")
    section = AnalysisSection(id="s", title="S", query=query)
    assert section_filters(model, section) == (
        "Only stocks where price is more than 5. "
        "Groups shown only where average price is more than 100."
    )
