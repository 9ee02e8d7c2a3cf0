"""The spec models in, the JSON Schema editors use to check ``report.yaml`` out.

``python -m reportgen.spec.schema`` rewrites ``reportgen/spec/schema.json``; a test fails when the
checked-in file is stale. Point an editor at it with a first line such as
``# yaml-language-server: $schema=reportgen/spec/schema.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reportgen.spec.models import Spec

SCHEMA_PATH = Path(__file__).with_name("schema.json")
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def build_schema() -> dict[str, Any]:
    """The JSON Schema of a spec, as a dict."""
    generated = Spec.model_json_schema(by_alias=True)
    schema: dict[str, Any] = {
        "$schema": DRAFT,
        "title": "reportgen spec",
        "description": (
            "A reportgen report: its data model (tables, relations, fields, filters, metrics) "
            "declared once, then its sections."
        ),
    }
    schema.update({k: v for k, v in generated.items() if k not in ("title", "description")})
    _describe_references(schema)
    _allow_metric_shorthand(schema)
    return schema


def _describe_references(schema: dict[str, Any]) -> None:
    """Give a property that is only a ``$ref`` the referenced definition's description.

    Pydantic leaves a field's description out when it repeats the model's docstring, but editors
    show the property's own description on hover.
    """
    definitions = schema.get("$defs", {})
    owners = [schema, *definitions.values()]
    for owner in owners:
        for prop in owner.get("properties", {}).values():
            ref = prop.get("$ref", "")
            if "description" not in prop and ref.startswith("#/$defs/"):
                target = definitions[ref.removeprefix("#/$defs/")]
                if "description" in target:
                    prop["description"] = target["description"]


def _allow_metric_shorthand(schema: dict[str, Any]) -> None:
    """A metric may be written as its expression alone (``orders: count(orders.order_id)``)."""
    metrics = schema["properties"]["metrics"]
    full = metrics["additionalProperties"]
    metrics["additionalProperties"] = {
        "anyOf": [
            {"type": "string", "description": "Shorthand for a metric: its expression alone."},
            full,
        ]
    }


def render_schema() -> str:
    """The schema file's exact text (stable key order, trailing newline)."""
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(path: Path = SCHEMA_PATH) -> Path:
    """Write the schema file; return its path."""
    path.write_text(render_schema(), encoding="utf-8")
    return path


if __name__ == "__main__":
    write_schema()
