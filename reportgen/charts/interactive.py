"""An Altair chart → the Vega-Lite spec a browser draws, with tooltips in the report's formats.

The interactive HTML embeds each chart as this spec (its aggregated rows inline) and the Vega
runtime once per file (``convert.runtime_script_later``); the static SVG stays beside it as the fallback.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from reportgen.charts.common import ColumnInfo, field
from reportgen.style.format import d3_format, d3_time_format, label_expr

# The encoding channels whose values a tooltip lists, in this order.
_TOOLTIP_CHANNELS = ("x", "y", "theta", "color", "size")
_COPIED = ("field", "type", "title", "aggregate", "bin", "timeUnit")


def interactive_spec(
    chart: dict[str, Any],
    columns: Mapping[str, ColumnInfo],
    currency: str = "$",
    description: str = "",
) -> dict[str, Any]:
    """The chart's Vega-Lite spec (``chart.to_dict()``, left unchanged) with a tooltip on every
    mark: each encoded value, labelled as on the axes and formatted as in the tables
    (``d3_format`` of the column's format). ``description`` (the alt text) labels the drawn
    chart for assistive technology."""
    spec = copy.deepcopy(chart)
    spec.pop("$schema", None)  # a URL; the page tells vega-embed the spec is Vega-Lite
    if description:
        spec["description"] = description
    known = {field(name): info for name, info in columns.items()}
    for unit in _units(spec):
        encoding = unit.get("encoding")
        if isinstance(encoding, dict) and "tooltip" not in encoding:
            items = _tooltip(encoding, known, currency)
            if items:
                encoding["tooltip"] = [_finished(unit, item) for item in items]
    return spec


def _finished(unit: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """A tooltip whose number d3-format cannot write as the tables do (' pp', a suffix) shows
    a text field calculated in the browser with the rest of the label instead."""
    expr = item.pop("finish", None)
    if expr is None or "aggregate" in item or "bin" in item:
        return item
    shown = f"_shown_{len(unit.get('transform', []))}"
    unit.setdefault("transform", []).append({"calculate": expr, "as": shown})
    return {"field": shown, "type": "nominal", "title": item.get("title", item["field"])}


def _units(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The spec and every (nested) layer of it."""
    found = [spec]
    for layer in spec.get("layer", []):
        if isinstance(layer, dict):
            found.extend(_units(layer))
    return found


def _tooltip(
    encoding: dict[str, Any], known: Mapping[str, ColumnInfo], currency: str
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for channel in _TOOLTIP_CHANNELS:
        definition = encoding.get(channel)
        if not isinstance(definition, dict) or "field" not in definition:
            continue
        name = str(definition["field"])
        if name in seen or (channel in ("color", "size") and name not in known):
            continue  # a helper field (the highlight's colour), not a value of the result
        seen.add(name)
        item = {key: definition[key] for key in _COPIED if key in definition}
        info = known.get(name)
        if info is not None and not item.get("title"):
            item["title"] = info.label  # the axis or legend may show none
        items.append(_formatted(item, definition, info, currency))
    return items


def _formatted(
    item: dict[str, Any], definition: dict[str, Any], info: ColumnInfo | None, currency: str
) -> dict[str, Any]:
    """A tooltip item with the format the tables use: a number's (finished in the browser
    where d3-format cannot write it), else its axis's; a date's ('Jul 2015')."""
    if definition.get("type") == "temporal" and info is not None:
        pattern = d3_time_format(info.format)
        if pattern is not None:
            item["format"] = pattern
        return item
    if definition.get("type") != "quantitative":
        return item
    fmt = info.format if info is not None else None
    guide = definition.get("axis") or definition.get("legend") or {}
    if fmt is not None and fmt not in ("auto", "text", "day"):
        item["format"] = d3_format(fmt, currency)
        row_key = re.sub(r"\\(.)", r"\1", str(item["field"]))  # the field's key in the rows
        value = f"format(datum[{json.dumps(row_key)}], {json.dumps(item['format'])})"
        finish = label_expr(fmt, value)
        if finish is not None:
            item["finish"] = finish
    elif isinstance(guide, dict) and "format" in guide:
        item["format"] = guide["format"]
    return item


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinite number as null (JSON has neither)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def script_json(spec: dict[str, Any]) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&``, so
    ``</script>`` or ``<!--`` in a value cannot end the element; no NaN (not JSON, the browser
    would refuse the spec), sorted keys, same bytes."""
    text = json.dumps(
        _finite(spec), sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
