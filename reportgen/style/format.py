"""Values to display strings: one set of formats shared by narrative, tables and chart labels."""

from __future__ import annotations

import math
from numbers import Number
from typing import Any

from reportgen.model.semantic import day_names as day_names  # defined with the model's weekdays


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, pd.NA raises → not missing
    except (TypeError, ValueError):
        return value is getattr(__import__("pandas"), "NA", object())


def format_value(
    value: Any, fmt: str = "auto", *, currency: str = "$", day_zero: str = "Saturday"
) -> str:
    """Format one value. ``percent`` takes a fraction (0.123 → '12.3%')."""
    if is_missing(value):
        return "–"
    if fmt == "text" or isinstance(value, str) or not isinstance(value, Number):
        return str(value)
    number = float(value)  # type: ignore[arg-type]
    if math.isinf(number):
        return "∞" if number > 0 else "−∞"
    if fmt == "percent":
        return f"{number * 100:,.1f}%".replace("-", "−")
    if fmt == "change":  # a relative change, signed: 0.124 → '+12.4%'
        return f"{number * 100:+,.1f}%".replace("-", "−")
    if fmt == "currency":
        sign = "−" if number < 0 else ""
        return f"{sign}{currency}{abs(number):,.2f}"
    if fmt == "integer":
        return f"{round(number):,}".replace("-", "−")
    if fmt == "decimal":
        return f"{number:,.2f}".replace("-", "−")
    if fmt == "day":
        return day_names(day_zero)[int(number) % 7]
    if fmt == "number" or fmt == "auto":
        if float(number).is_integer() and abs(number) < 1e15:
            return f"{int(number):,}".replace("-", "−")
        if abs(number) >= 1000:
            return f"{number:,.0f}".replace("-", "−")
        return f"{number:,.2f}".replace("-", "−")
    msg = f"unknown format '{fmt}'"
    raise ValueError(msg)


def d3_format(fmt: str, currency: str = "$") -> str:
    """The d3-format string (used by Vega-Lite axes and labels) that matches ``format_value``."""
    return {
        "percent": ".1%",
        "currency": f"{currency},.2f" if currency == "$" else ",.2f",
        "integer": ",.0f",
        "decimal": ",.2f",
    }.get(fmt, ",")


def d3_axis_format(fmt: str, currency: str = "$") -> str:
    """Like ``d3_format`` but trims trailing zeros, for axis ticks ('$200,000', '20%', '2.5')."""
    return {
        "percent": ".1~%",
        "currency": f"{currency},.2~f" if currency == "$" else ",.2~f",
        "integer": ",.0f",
        "decimal": ",.2~f",
    }.get(fmt, ",")
