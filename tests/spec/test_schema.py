"""The checked-in JSON Schema: fresh, fully described, and in agreement with the loader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reportgen.spec.schema import SCHEMA_PATH, build_schema, render_schema
from reportgen.spec.yaml_reader import read_yaml

HERE = Path(__file__).parent


def test_checked_in_schema_is_fresh() -> None:
    message = "reportgen/spec/schema.json is stale; run: python -m reportgen.spec.schema"
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_schema(), message


def _properties(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        for name, prop in node.get("properties", {}).items():
            found.append((f"{path}.{name}", prop))
        for key, child in node.items():
            found.extend(_properties(child, f"{path}/{key}"))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found.extend(_properties(child, f"{path}[{index}]"))
    return found


def test_every_property_has_a_description() -> None:
    properties = _properties(build_schema())
    assert len(properties) > 50
    undescribed = [path for path, prop in properties if not prop.get("description")]
    assert undescribed == []


def test_schema_has_its_header() -> None:
    schema = build_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"]
    assert schema["description"]


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = build_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_base_spec_is_valid_under_the_schema(
    validator: jsonschema.Draft202012Validator,
) -> None:
    data = read_yaml(HERE / "base.yaml").data
    assert list(validator.iter_errors(data)) == []


def test_metric_shorthand_and_full_form_are_both_valid(
    validator: jsonschema.Draft202012Validator,
) -> None:
    data = read_yaml(HERE / "base.yaml").data
    data["metrics"] = {"orders": "count(orders.order_id)", "items": {"expr": "count(orders.x)"}}
    assert list(validator.iter_errors(data)) == []


@pytest.mark.parametrize(
    "name", ["unknown_top_level_key", "unknown_chart_type", "metric_as_number", "sections_empty"]
)
def test_broken_specs_are_invalid_under_the_schema(
    validator: jsonschema.Draft202012Validator, name: str
) -> None:
    data = read_yaml(HERE / "broken" / f"{name}.yaml").data
    assert list(validator.iter_errors(data)) != []


def test_shipped_report_spec_is_valid_under_the_schema(
    validator: jsonschema.Draft202012Validator,
) -> None:
    report = HERE.parent.parent / "report.yaml"
    if not report.exists():
        pytest.skip("no report.yaml at the project root yet")
    data = read_yaml(report).data
    assert [error.message for error in validator.iter_errors(data)] == []
