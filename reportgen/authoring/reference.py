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

# Examples for keys whose type and default say too little, by "Model.key" (YAML, one line).
EXAMPLES: dict[str, str] = {
    "Spec.report": "report: {title: Instacart Basket Analysis, client: Instacart Marketing}",
    "Spec.data": "data: {orders: {path: data/orders.csv, key: order_id}}",
    "Spec.relations": "relations: [order_products.order_id -> orders, orders.user_id -> customers]",
    "Spec.fields": "fields: {hour: {type: expr, on: orders, expr: order_hour_of_day}}",
    "Spec.filters": "filters: {prior: {on: orders, where: \"eval_set == 'prior'\"}}",
    "Spec.metrics": "metrics: {orders: count(orders), revenue: 'sum(products.prices, over=order_products)'}",
    "Spec.labels": "labels: {fam_status: Family status}",
    "Spec.sections": "sections: [{id: busiest-days, title: When do customers order?, query: {by: [order_day], metrics: [orders]}}]",
    "ReportMeta.title": "title: Instacart Basket Analysis",
    "ReportMeta.subtitle": "subtitle: Customer segments and ordering habits",
    "ReportMeta.client": "client: Instacart Marketing & Sales",
    "ReportMeta.author": "author: Analytics team",
    "ReportMeta.subject": "subject: Basket analysis",
    "ReportMeta.slug": "slug: instacart-basket-analysis",
    "ReportMeta.data_date": "data_date: Orders of 2017",
    "Settings.currency": "currency: €",
    "Settings.wording": "wording: {similar_cv: 0.03}",
    "MinSupport.metric": "metric: order_lines",
    "MinSupport.at_least": "at_least: 500",
    "TableSpec.path": "path: data/orders.csv   # or [data/a.csv, data/b.csv], or data/orders-*.csv",
    "TableSpec.key": "key: order_id",
    "TableSpec.rename": "rename: {STATE: state, Gender: gender}",
    "TableSpec.private": "private: [First Name, Surnam]",
    "TableSpec.clean": "clean: {drop_missing: [product_name], drop_duplicates: true}",
    "TableSpec.description": "description: One row per order.",
    "CleanRules.drop_missing": "drop_missing: [product_name]",
    "CleanRules.valid": "valid: {prices: {min: 0, max: 100}}",
    "ValidRange.min": "min: 0",
    "ValidRange.max": "max: 100",
    "FieldBase.on": "on: customers",
    "FieldBase.label": "label: Age group",
    "FieldBase.description": "description: The customer's age in four groups",
    "BinsField.column": "column: age",
    "BinsField.edges": "edges: [29, 44, 64]",
    "BinsField.labels": "labels: [18–29, 30–44, 45–64, 65+]",
    "MapField.column": "column: state",
    "MapField.values": "values: {0: Saturday, 1: Sunday}",
    "MapField.groups": "groups: {Northeast: [Maine, New York], West: [Oregon, Utah]}",
    "MapField.default": "default: Other",
    "CasesField.cases": "cases: [{when: max_order > 40, then: Loyal}, {when: max_order > 10, then: Regular}]",
    "CasesField.else_": "else: New",
    "Case.when": "when: age < 40 and n_dependants > 0",
    "Case.then": "then: Young parent",
    "AggregateField.of": "of: orders.order_number",
    "AggregateField.over": "over: order_products",
    "AggregateField.where": "where: department == 'babies'",
    "ExprField.expr": "expr: income / 1000",
    "WeekdayField.column": "column: order_dow",
    "FilterSpec.on": "on: customers",
    "FilterSpec.where": "where: max_order >= 5",
    "FilterSpec.note": "note: Customers with fewer than 5 orders are excluded.",
    "MetricSpec.expr": "expr: revenue / orders",
    "MetricSpec.label": "label: Average order value",
    "MetricSpec.description": "description: Sum of the prices of the products ordered",
    "Query.by": "by: [region, loyalty]",
    "Query.metrics": "metrics: [orders, share_orders]",
    "Query.where": "where: region == 'West'",
    "Query.sort": "sort: -revenue",
    "Query.top": "top: 10",
    "Query.min_support": "min_support: {metric: order_lines, at_least: 500}",
    "ChartSpec.x": "x: order_day",
    "ChartSpec.y": "y: orders",
    "ChartSpec.color": "color: department_group",
    "ChartSpec.title": 'title: "{{ highest.orders.order_day }} is the busiest day"',
    "ChartSpec.height": "height: 320",
    "TableView.columns": "columns: [region, revenue]",
    "TableView.max_rows": "max_rows: 20",
    "SectionBase.id": "id: busiest-days",
    "SectionBase.title": "title: When do customers order?",
    "SectionBase.text": 'text: "{{ highest.orders.order_day }} has the most orders ({{ highest.orders.orders }})."',
    "SectionBase.wording": "wording: {similar_cv: 0.03}",
    "AnalysisSection.question": "question: What are the busiest days of the week?",
    "AnalysisSection.query": "query: {by: [order_day], metrics: [orders, share_orders]}",
    "AnalysisSection.chart": "chart: {type: bar, x: order_day, y: orders}",
    "AnalysisSection.table": "table: {show: false}",
}

# What a section's text (and a chart title) can use, with what each returns. A test checks that
# every name the narrative offers is here.
HELPERS: list[tuple[str, str, str]] = [
    (
        "rows",
        "the result's rows in the section's order; a row's columns print formatted",
        "{{ rows[0].region }}",
    ),
    ("top, first", "the first row (after the query's sort)", "{{ top.department }}"),
    ("last", "the last row", "{{ last.department }}"),
    ("count", "the number of rows", "{{ count }} regions"),
    (
        "highest.METRIC",
        "the row with the largest value of a metric (not 'Other', not below min_support)",
        "{{ highest.orders.order_day }}",
    ),
    ("lowest.METRIC", "the row with the smallest value", "{{ lowest.orders.orders }}"),
    (
        "by['LABEL']",
        "the row whose first column is LABEL",
        "{{ by['Loyal customer'].share_customers }}",
    ),
    (
        "total.METRIC",
        "the metric over all the section's rows, recomputed (a share totals 100 %)",
        "{{ total.revenue }}",
    ),
    (
        "ranked",
        "the rows highest and lowest compare (no 'Other', none below min_support)",
        "{{ ranked | length }}",
    ),
    ("small", "the rows below the query's min_support", "{% for row in small %}…{% endfor %}"),
    ("minimum", "the min_support threshold, formatted", "{{ minimum }}"),
    (
        "sections['ID']",
        "another section's result, with all of the above",
        "{{ sections['regions'].highest.revenue.region }}",
    ),
    (
        "spread('METRIC', within=None)",
        "how much a metric varies across the rows: prints 'similar', 'varies' or 'varies widely'; .similar .varies .wide .enough (booleans), .min .max .range .ratio .cv (formatted), .low .high (rows); with within=COLUMN the widest spread inside one of its groups (.group)",
        "{{ spread('avg_order_value').range }}",
    ),
    (
        "dominance('METRIC')",
        "the largest group's lead: prints 'a majority', 'by far the largest', 'the largest' or 'tied for the largest'; .first .second (rows), .share .lead (formatted), .majority .by_far .tied .enough",
        "{{ dominance('revenue').first.region }}",
    ),
    (
        "peak('METRIC')",
        "the peak of a series: .spread (a spread()), .flat .enough",
        "{% if peak('orders').flat %}…{% endif %}",
    ),
    (
        "follows('A', 'B')",
        "whether metric A follows metric B over the rows: .follows .opposite .enough, .r (the correlation, formatted)",
        "{% if follows('revenue', 'orders').follows %}…{% endif %}",
    ),
    (
        "rank('METRIC', 'LABEL')",
        "the position of a group ranked by a metric: prints 'the 2nd highest'; .position .of .tied .known",
        "{{ rank('orders', 'West') }}",
    ),
    (
        "compare(A, B)",
        "two values compared: prints 'higher', 'lower' or 'about the same'; .phrase ('12.3% higher than'), .same .higher .lower .known, .diff .change .ratio (formatted)",
        "{{ compare(loyal.days_between, new.days_between).phrase }}",
    ),
    (
        "change(A, B)",
        "the relative change from B to A, formatted '+12.4%'; compares as a number",
        "{{ change(west.revenue, south.revenue) }}",
    ),
    (
        "ratio(A, B)",
        "A divided by B, formatted '1.3×'; compares as a number",
        "{{ ratio(west.revenue, south.revenue) }}",
    ),
    ("range(N)", "whole numbers, at most 1,000", "{% for i in range(3) %}…{% endfor %}"),
    (
        "| integer, | number, | decimal, | currency, | percent, | day",
        "a number formatted that way (cells are formatted already)",
        "{{ 0.25 | percent }} → 25.0%",
    ),
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
