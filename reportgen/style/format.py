"""Values to display strings: one set of formats shared by narrative, tables and chart labels.

A format is a name ('currency', 'year', 'month' …) or a code with options written by
``spec.models.ValueFormat.code`` ('number;d=1;s= mm', 'currency;compact', 'integer;plain').
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from dataclasses import dataclass
from numbers import Number
from typing import Any

from reportgen.model.semantic import day_names as day_names  # defined with the model's weekdays

DATE_FORMATS = {
    "date": "%Y-%m-%d",
    "datetime": "%Y-%m-%d %H:%M",
    "month": "%b %Y",
    "year": "%Y",
}
_COMPACT = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))


@dataclass(frozen=True)
class NumberFormat:
    """A format code read into its parts."""

    base: str
    decimals: int | None = None
    compact: bool = False
    separators: bool = True
    suffix: str = ""


@functools.lru_cache(maxsize=256)
def parse_format(fmt: str) -> NumberFormat:
    """'number;d=1;compact;plain;s= mm' → its parts (a plain name has no options)."""
    base, *options = fmt.split(";")
    decimals, compact, separators, suffix = None, False, True, ""
    for option in options:
        if option.startswith("d=") and option[2:].isdigit():
            decimals = int(option[2:])
        elif option == "compact":
            compact = True
        elif option == "plain":
            separators = False
        elif option.startswith("s="):
            suffix = option[2:]
        else:
            msg = f"unknown format option '{option}' in '{fmt}'"
            raise ValueError(msg)
    if base == "plain":
        base, separators = "integer", False
    return NumberFormat(base, decimals, compact, separators, suffix)


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, pd.NA raises → not missing
    except (TypeError, ValueError):
        return value is getattr(__import__("pandas"), "NA", object())


def _as_datetime(value: Any) -> dt.datetime | dt.date | None:
    """A date or time value as Python's datetime (pandas Timestamps are datetimes)."""
    if isinstance(value, dt.datetime | dt.date):
        return value
    if type(value).__name__ == "datetime64":  # numpy
        import pandas as pd

        return pd.Timestamp(value).to_pydatetime()
    return None


def d3_time_format(fmt: str) -> str | None:
    """The d3-time-format pattern that writes a date as ``format_date`` does for ``fmt``
    (Vega tooltips of a time axis), or None for the default (a date, or a date and time)."""
    return "%Y Q%q" if fmt == "quarter" else DATE_FORMATS.get(fmt)


def format_date(value: dt.datetime | dt.date, fmt: str) -> str:
    """'2015-07-01', '2015-07-01 14:30', 'Jul 2015', '2015 Q3' or '2015' as ``fmt`` says; by
    default a date, with the time of day when it has one."""
    if fmt == "quarter":
        return f"{value.year} Q{(value.month - 1) // 3 + 1}"
    pattern = DATE_FORMATS.get(fmt)
    if pattern is None:
        has_time = isinstance(value, dt.datetime) and (value.hour, value.minute, value.second) != (
            0,
            0,
            0,
        )
        pattern = DATE_FORMATS["datetime" if has_time else "date"]
    return value.strftime(pattern)


def format_value(
    value: Any, fmt: str = "auto", *, currency: str = "$", day_zero: str = "Saturday"
) -> str:
    """Format one value. ``percent`` takes a fraction (0.123 → '12.3%')."""
    if is_missing(value):
        return "–"
    when = _as_datetime(value)
    if when is not None:
        return format_date(when, fmt)
    if fmt == "text" or isinstance(value, str) or not isinstance(value, Number):
        return str(value)
    number = float(value)  # type: ignore[arg-type]
    if math.isinf(number):
        return "∞" if number > 0 else "−∞"
    if fmt == "year":
        return str(round(number))
    if fmt == "change":  # a relative change, signed: 0.124 → '+12.4%'
        return f"{number * 100:+,.1f}%".replace("-", "−")
    if fmt == "day":
        return day_names(day_zero)[int(number) % 7]
    if fmt in ("date", "datetime", "month", "quarter"):
        fmt = "auto"  # a number where a date was expected: shown as a number
    parts = parse_format(fmt)
    return _number(number, parts, currency).replace("-", "−") + parts.suffix


def _number(number: float, parts: NumberFormat, currency: str) -> str:
    base, decimals = parts.base, parts.decimals
    comma = "," if parts.separators else ""
    if base == "percent":
        return f"{number * 100:{comma}.{1 if decimals is None else decimals}f}%"
    if base == "points":
        return f"{number * 100:{comma}.{1 if decimals is None else decimals}f} pp"
    if parts.compact:
        for size, letter in _COMPACT:
            if abs(number) >= size:
                shown = f"{abs(number) / size:.{1 if decimals is None else decimals}f}{letter}"
                break
        else:
            shown = f"{abs(number):.{0 if decimals is None else decimals}f}"
        sign = "-" if number < 0 else ""
        return f"{sign}{currency}{shown}" if base == "currency" else f"{sign}{shown}"
    if base == "currency":
        sign = "-" if number < 0 else ""
        return f"{sign}{currency}{abs(number):{comma}.{2 if decimals is None else decimals}f}"
    if base == "integer":
        return f"{round(number):{comma}}"
    if base == "decimal":
        return f"{number:{comma}.{2 if decimals is None else decimals}f}"
    if base in ("number", "auto"):
        if decimals is not None:
            return f"{number:{comma}.{decimals}f}"
        if float(number).is_integer() and abs(number) < 1e15:
            return f"{int(number):{comma}}"
        if abs(number) >= 1000:
            return f"{number:{comma}.0f}"
        return f"{number:{comma}.2f}"
    msg = f"unknown format '{base}'"
    raise ValueError(msg)


def vega_locale(currency: str = "$") -> dict[str, Any]:
    """The Vega-Lite ``config.locale`` under which ``d3_format``'s currency mark ('$') prints
    ``currency`` before the number, as ``format_value`` does ('€1,234.50', '£2.5M')."""
    return {
        "number": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": [currency, ""]}
    }


def d3_format(fmt: str, currency: str = "$", *, trim: bool = False) -> str:
    """The d3-format string (used by Vega-Lite axes and labels) that matches ``format_value``;
    ``trim`` drops trailing zeros (axis ticks: see ``d3_axis_format``)."""
    parts = parse_format(fmt)
    comma = "," if parts.separators else ""
    symbol = "$" if currency else ""  # d3's currency mark: ``vega_locale`` gives its symbol
    t = "~" if trim else ""
    if parts.compact:
        return f"{symbol if parts.base == 'currency' else ''}.{3 if trim else 2}{t}s"
    if parts.base in ("percent", "points"):  # d3 has no ' pp': ``label_expr`` writes it
        return f".{1 if parts.decimals is None else parts.decimals}{t}%"
    if parts.base == "currency":
        return f"{symbol}{comma}.{2 if parts.decimals is None else parts.decimals}{t}f"
    if parts.base in ("integer", "year"):
        return f"{comma}.0f"
    if parts.base == "decimal" or parts.decimals is not None:
        return f"{comma}.{2 if parts.decimals is None else parts.decimals}{t}f"
    return f"{comma}~f" if comma else "~f"


def label_expr(fmt: str, label: str = "datum.label") -> str | None:
    """A Vega expression finishing ``label`` (a number formatted by ``d3_format`` or
    ``d3_axis_format``) as ``format_value`` writes it, where d3-format cannot: ' pp' for
    points instead of '%', and the format's suffix (' mm'). None when nothing is missing.
    The suffix is spec text: it enters the expression as a JSON string literal, never as code."""
    parts = parse_format(fmt) if fmt not in ("auto", "text", "day", "change") else None
    if parts is None:
        return None
    expr = label
    if parts.base == "points":
        expr = f"replace({expr}, '%', ' pp')"
    if parts.suffix:
        expr = f"{expr} + {json.dumps(parts.suffix)}"
    return None if expr == label else expr


def d3_axis_format(fmt: str, currency: str = "$") -> str:
    """Like ``d3_format`` but trims trailing zeros, for axis ticks ('$200,000', '20%', '2.5').

    Never scientific notation: plain numbers use a fixed-point format ('2,000', '0.25')."""
    return d3_format(fmt, currency, trim=True)
