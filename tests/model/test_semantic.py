"""The semantic model on a hand-made spec and headers (no data): relations and paths, names
bound to their tables, labels, declared levels, metric atoms and formats, totals."""

from __future__ import annotations

from typing import Any

import pytest

from reportgen.model import expr as ex
from reportgen.model.build import build_model
from reportgen.model.semantic import Atom, Model, Relation, Resolved
from reportgen.spec.models import Spec

COLUMNS = {
    "lines": ["order_id", "product_id", "reordered"],
    "orders": ["order_id", "user_id", "order_dow"],
    "products": ["product_id", "price", "department_id"],
    "departments": ["department_id", "department"],
    "customers": ["user_id", "age", "state"],
}

SPEC: dict[str, Any] = {
    "report": {"title": "T"},
    "settings": {"day_zero": "Sunday"},
    "data": {
        "lines": {"path": "lines.csv"},
        "orders": {"path": "orders.csv", "key": "order_id"},
        "products": {"path": "products.csv", "key": "product_id"},
        "departments": {"path": "departments.csv", "key": "department_id"},
        "customers": {"path": "customers.csv", "key": "user_id"},
    },
    "relations": [
        "lines.order_id -> orders",
        "lines.product_id -> products",
        "products.department_id -> departments",
        "orders.user_id -> customers",
    ],
    "labels": {"order_dow": "Day of week"},
    "fields": {
        "age_group": {
            "on": "customers",
            "type": "bins",
            "column": "age",
            "edges": [40],
            "labels": ["Young", "Older"],
        },
        "day": {"on": "orders", "type": "weekday", "column": "order_dow", "label": "Day"},
        "region": {
            "on": "customers",
            "type": "map",
            "column": "state",
            "groups": {"West": ["CA", "OR"], "East": ["NY"]},
        },
    },
    "metrics": {
        "orders": "count_distinct(orders.order_id)",
        "revenue": {"expr": "sum(products.price)", "label": "Revenue", "format": "currency"},
        "aov": "revenue / orders",
        "lines": "count(lines)",
        "share_lines": "share(lines, within=department)",
        "young_orders": "count(orders, where='age_group == \"Young\"')",
    },
    "sections": [
        {
            "id": "s",
            "title": "S",
            "query": {"by": ["department"], "metrics": ["lines", "share_lines"]},
        }
    ],
}


@pytest.fixture(scope="module")
def model() -> Model:
    built, issues = build_model(Spec.model_validate(SPEC), COLUMNS)
    assert issues == []
    return built


def test_relations_and_paths(model: Model) -> None:
    lines_orders = Relation("lines", "order_id", "orders")
    orders_customers = Relation("orders", "user_id", "customers")
    assert model.parents("lines") == [lines_orders, Relation("lines", "product_id", "products")]
    assert model.path("lines", "customers") == (lines_orders, orders_customers)
    assert model.path("lines", "lines") == ()
    assert model.path("customers", "orders") is None  # many-to-one only
    assert model.reachable("lines") == ["lines", "orders", "products", "customers", "departments"]


def test_names_bind_to_the_table_that_holds_them(model: Model) -> None:
    assert model.resolve(ex.Ref(None, "department"), "lines") == Resolved(
        "departments", "department", False
    )
    assert model.resolve(ex.Ref(None, "age_group"), "lines") == Resolved(
        "customers", "age_group", True
    )
    assert model.resolve(ex.Ref("orders", "order_id"), "lines") == Resolved(
        "orders", "order_id", False
    )


def test_labels_and_declared_levels(model: Model) -> None:
    assert model.label("revenue") == "Revenue"
    assert model.label("day") == "Day"
    assert model.label("order_dow") == "Day of week"
    assert model.label("department_id") == "Department id"
    assert model.known_levels("age_group") == ["Young", "Older"]
    assert model.known_levels("day") == [
        "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
    ]  # fmt: skip
    assert model.known_levels("region") == ["West", "East"]
    assert model.known_levels("state") is None


def test_metrics_decompose_into_atoms_with_formats(model: Model) -> None:
    orders, aov = model.metrics["orders"], model.metrics["aov"]
    assert list(orders.atoms.values()) == [
        Atom("count_distinct", "orders", Resolved("orders", "order_id", False))
    ]
    assert model.metrics["revenue"].format == "currency"
    assert aov.formula == ex.Binary("/", ex.Ref(None, "revenue"), ex.Ref(None, "orders"))
    young = next(iter(model.metrics["young_orders"].atoms.values()))
    assert young.over == "orders"
    assert young.where == ex.Compare("==", ex.Ref(None, "age_group"), ex.Const("Young"))


def test_a_share_within_a_column_has_no_total(model: Model) -> None:
    assert model.no_total_reason("orders") is None
    assert model.no_total_reason("aov") is None
    reason = model.no_total_reason("share_lines")
    assert reason == "it is a share within each department, which adds up to 100 % in each"


def test_unknown_names_are_located_issues() -> None:
    spec = dict(SPEC, metrics={**SPEC["metrics"], "bad": "sum(products.prise)"})
    _, issues = build_model(Spec.model_validate(spec), COLUMNS)
    assert [(i.loc, i.message) for i in issues] == [
        (
            ("metrics", "bad"),
            "unknown column or field 'prise' in table 'products'; did you mean 'price'?",
        )
    ]
