"""docs/spec.md: fresh, every key with a description and an example, every text helper listed."""

from __future__ import annotations

import re

import pandas as pd
from pydantic import Field

from reportgen.authoring.reference import (
    HELPERS,
    REFERENCE_PATH,
    example_of,
    places,
    render_reference,
)
from reportgen.render.cells import Formats
from reportgen.render.narrative import make_environment, render_text
from reportgen.render.result_view import ResultView
from reportgen.spec.models import Query, Strict


def test_checked_in_reference_is_fresh() -> None:
    message = "docs/spec.md is stale; run: python -m reportgen reference --out docs/spec.md"
    assert REFERENCE_PATH.read_text(encoding="utf-8") == render_reference(), message


def test_every_key_has_a_description_and_a_one_line_example() -> None:
    text = render_reference()
    keys = 0
    for _, model in places():
        for name, info in model.model_fields.items():
            key = info.alias or name
            example = example_of(model, name, info)
            assert info.description, f"{model.__name__}.{name} has no description"
            assert example.startswith(f"{key}: "), example
            assert "\n" not in example
            assert f"| `{key}` |" in text
            keys += 1
    assert keys > 80


def test_a_key_added_later_is_documented_without_edits() -> None:
    class Later(Strict):
        """A model with a new key."""

        order: str | None = Field(None, description="Order of the groups.")
        kind: bool = Field(False, description="A flag.")
        having: str | None = Field(None, description="Groups kept.", examples=["orders > 100"])

    info = Later.model_fields
    assert example_of(Later, "order", info["order"]) == 'order: "…"'
    assert example_of(Later, "having", info["having"]) == "having: orders > 100"
    assert example_of(Later, "kind", info["kind"]) == "kind: true"
    assert example_of(Query, "top", Query.model_fields["top"]) == "top: 10"


def test_every_name_a_text_can_use_is_documented() -> None:
    formats = Formats(columns={"region": "text", "orders": "integer"})
    frame = pd.DataFrame({"region": ["West", "South"], "orders": [120, 80]})
    offered = set(ResultView(frame, formats).context()) | {"sections", "compare"}
    env = make_environment(formats, autoescape=False)
    offered |= set(env.globals)
    offered |= {"integer", "number", "decimal", "currency", "percent", "day"}
    documented = {word for name, _, _ in HELPERS for word in re.findall(r"[a-z_]+", name)}
    assert offered - documented == set()


def test_change_and_ratio_print_formatted_and_compare_as_numbers() -> None:
    formats = Formats(columns={"region": "text", "revenue": "currency"})
    frame = pd.DataFrame({"region": ["West", "South"], "revenue": [1250.0, 1000.0]})
    context = ResultView(frame, formats).context()
    env = make_environment(formats, autoescape=False)
    source = (
        "{{ change(by['West'].revenue, by['South'].revenue) }} "
        "{{ change(by['South'].revenue, by['West'].revenue) }} "
        "{{ ratio(by['West'].revenue, by['South'].revenue) }} "
        "{% if change(by['West'].revenue, by['South'].revenue) > 0.2 %}more{% endif %}"
    )
    # 1250 / 1000 = 1.25: +25.0%, the other way 1000 / 1250 - 1 = -20.0%.
    assert render_text(env, source, context) == "+25.0% −20.0% 1.2× more"
