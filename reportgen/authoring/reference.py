"""The spec models in, ``docs/spec.md`` out: every key with its type, default, description and a
one-line example, then what a section's text can use.

Descriptions come from the models (the same that feed the JSON Schema), so the reference cannot
fall behind: a new key appears here with its description, and a test fails when the checked-in
file is stale (``python -m reportgen reference --out docs/spec.md`` or ``make docs`` rewrites it).
A key's example is its field's ``examples`` when the model gives one, else one from ``EXAMPLES``,
else one made from its type and default.
"""

from __future__ import annotations

import json
import types
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from reportgen.authoring.reference_examples import EXAMPLES, HELPERS
from reportgen.spec import models as m

REFERENCE_PATH = Path(__file__).resolve().parents[2] / "docs" / "spec.md"

# Where each model sits in a spec, in reading order (variants of one place share it).
PLACES: list[tuple[str, type[BaseModel]]] = [
    ("the top level", m.Spec),
    ("report", m.ReportMeta),
    ("settings", m.Settings),
    ("settings.wording (and a section's wording)", m.Thresholds),
    ("data.TABLE", m.TableSpec),
    ("data.TABLE.clean", m.CleanRules),
    ("data.TABLE.clean.valid.COLUMN", m.ValidRange),
    ("fields.NAME with type: bins", m.BinsField),
    ("fields.NAME with type: map", m.MapField),
    ("fields.NAME with type: cases", m.CasesField),
    ("fields.NAME.cases[]", m.Case),
    ("fields.NAME with type: aggregate", m.AggregateField),
    ("fields.NAME with type: expr", m.ExprField),
    ("fields.NAME with type: weekday", m.WeekdayField),
    ("filters.NAME", m.FilterSpec),
    ("metrics.NAME", m.MetricSpec),
    ("sections[] (type: analysis, the default)", m.AnalysisSection),
    ("sections[].query", m.Query),
    ("sections[].query.min_support", m.MinSupport),
    ("sections[].chart", m.ChartSpec),
    ("sections[].table", m.TableView),
    ("sections[] with type: text", m.TextSection),
    ("sections[] with type: definitions", m.DefinitionsSection),
    ("sections[] with type: data_quality", m.DataQualitySection),
]


def render_reference() -> str:
    """The text of docs/spec.md."""
    lines = [
        "# The spec reference",
        "",
        "<!-- Generated from reportgen/spec/models.py by `python -m reportgen reference --out "
        "docs/spec.md` (or `make docs`); do not edit by hand. -->",
        "",
        "Every key of `report.yaml`, where it goes, what it means and a one-line example. "
        "Unknown keys are errors. Conditions and expressions (`where`, `when`, `expr`) use "
        "column, field and metric names with `== != < <= > >=`, `and or not`, `in [...]` and "
        "`+ - * /`.",
        "",
    ]
    for place, model in places():
        lines += _model_section(place, model)
    lines += [
        "## What a text can use",
        "",
        "Texts (`text:`, chart `title:`) are Jinja templates over the section's result. Numbers "
        "print formatted in the metric's format; they still compare as numbers "
        "(`{% if highest.orders.orders > 1000 %}`).",
        "",
        "| name | returns | example |",
        "|---|---|---|",
    ]
    lines += [
        f"| `{_cell(name)}` | {_cell(returns)} | `{_cell(example)}` |"
        for name, returns, example in HELPERS
    ]
    return "\n".join(lines) + "\n"


def places() -> list[tuple[str, type[BaseModel]]]:
    """``PLACES``, then any model a spec can hold that it does not name (a key added later)."""
    found = list(PLACES)
    named = {model for _, model in PLACES}
    for path, model in _walk(m.Spec, ""):
        if model not in named:
            named.add(model)
            found.append((path, model))
    return found


def _walk(model: type[BaseModel], path: str) -> list[tuple[str, type[BaseModel]]]:
    reached: list[tuple[str, type[BaseModel]]] = []
    for name, info in model.model_fields.items():
        key = f"{path}.{info.alias or name}".lstrip(".")
        for inner, suffix in _models_in(info.annotation):
            where = key + suffix
            reached.append((where, inner))
            if inner is not model:
                reached += _walk(inner, where)
    return reached


def _models_in(annotation: Any, suffix: str = "") -> list[tuple[type[BaseModel], str]]:
    annotation = _unwrap(annotation)
    origin = get_origin(annotation)
    if _is_model(annotation):
        return [(annotation, suffix)]
    if origin is list:
        return _models_in(get_args(annotation)[0], suffix + "[]")
    if origin is dict:
        return _models_in(get_args(annotation)[1], suffix + ".NAME")
    if origin in (Union, types.UnionType):
        return [found for arg in get_args(annotation) for found in _models_in(arg, suffix)]
    return []


def _model_section(place: str, model: type[BaseModel]) -> list[str]:
    doc = " ".join((model.__doc__ or "").split())
    lines = [f"## `{place}`", "", doc, "", "| key | type | default | description | example |"]
    lines.append("|---|---|---|---|---|")
    for name, info in model.model_fields.items():
        key = info.alias or name
        default = _default(info)
        description = _cell(info.description or "")
        example = _cell(example_of(model, name, info))
        lines.append(
            f"| `{key}` | {type_text(info.annotation)} | {default} | {description} | `{example}` |"
        )
    lines.append("")
    return lines


def _cell(text: str) -> str:
    """Text for a Markdown table cell: '|' escaped."""
    return text.replace("|", "\\|")


def _default(info: FieldInfo) -> str:
    if info.default_factory is not None:
        return "(see below)" if _is_model(_unwrap(info.annotation)) else "empty"
    if info.default is PydanticUndefined:
        return "**required**"
    if info.default is None:
        return "none"
    return f"`{_yaml(info.default)}`"


def example_of(model: type[BaseModel], name: str, info: FieldInfo) -> str:
    """A one-line YAML example of one key."""
    key = info.alias or name
    given = info.examples or (
        info.json_schema_extra.get("examples") if isinstance(info.json_schema_extra, dict) else None
    )
    if isinstance(given, list) and given:
        return f"{key}: {_yaml(given[0])}"
    for owner in model.__mro__:
        if f"{owner.__name__}.{name}" in EXAMPLES:
            return EXAMPLES[f"{owner.__name__}.{name}"]
    inner = _unwrap(info.annotation)
    if _is_model(inner):
        first, first_info = next(iter(inner.model_fields.items()))
        return f"{key}: {{{example_of(inner, first, first_info)}}}"
    return f"{key}: {_yaml(_made_example(info))}"


def _made_example(info: FieldInfo) -> Any:
    annotation = _unwrap(info.annotation)
    default = None if info.default is PydanticUndefined else info.default
    if get_origin(annotation) is Literal:
        choices = [c for c in get_args(annotation) if c != default]
        return choices[0] if choices else get_args(annotation)[0]
    if annotation is bool:
        return not default
    if isinstance(default, int | float) and not isinstance(default, bool):
        return default
    return default if default is not None else "…"


def _yaml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        plain = value and value[0].isalnum() and ": " not in value and "#" not in value
        return value if plain else json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False)


def _unwrap(annotation: Any) -> Any:
    if get_origin(annotation) is Annotated:
        return _unwrap(get_args(annotation)[0])
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) in (Union, types.UnionType) and len(args) == 1:
        return _unwrap(args[0])
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def type_text(annotation: Any) -> str:
    """A type in words: 'text', 'whole number', 'list of text', 'one of: bar, hbar'."""
    annotation = _unwrap(annotation)
    origin = get_origin(annotation)
    if origin is Literal:
        return "one of: " + ", ".join(f"`{v}`" for v in get_args(annotation))
    if origin in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if all(_is_model(_unwrap(a)) for a in members):
            return "mapping (by its type)"
        return " or ".join(type_text(a) for a in members)
    if origin is list:
        return f"list of {type_text(get_args(annotation)[0])}"
    if origin is dict:
        return f"mapping of name to {type_text(get_args(annotation)[1])}"
    if _is_model(annotation):
        return "mapping"
    words = {str: "text", int: "whole number", float: "number", bool: "true or false"}
    return words.get(annotation, "value")


def write_reference(path: Path = REFERENCE_PATH) -> Path:
    path.write_text(render_reference(), encoding="utf-8")
    return path
