"""Value formats: every name against hand-written strings, codes with options, dates, the axis
codes (the same text in narrative, tables and chart labels)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

from reportgen.spec.models import ValueFormat
from reportgen.style.format import d3_axis_format, d3_format, format_value

CASES: list[tuple[Any, str, dict[str, str], str]] = [
    # missing, whatever the format
    (None, "integer", {}, "–"),
    (float("nan"), "percent", {}, "–"),
    (pd.NA, "currency", {}, "–"),
    (np.nan, "auto", {}, "–"),
    # text passes through
    ("Produce", "auto", {}, "Produce"),
    (12, "text", {}, "12"),
    ("12", "integer", {}, "12"),
    # infinities
    (math.inf, "decimal", {}, "∞"),
    (-math.inf, "integer", {}, "−∞"),
    # percent: a fraction, one decimal, a true minus sign
    (0.123, "percent", {}, "12.3%"),
    (1, "percent", {}, "100.0%"),
    (-0.05, "percent", {}, "−5.0%"),
    (12.3456, "percent", {}, "1,234.6%"),
    # currency: two decimals, the sign before the symbol, the spec's symbol
    (1234.5, "currency", {}, "$1,234.50"),
    (-3.999, "currency", {}, "−$4.00"),
    (0, "currency", {"currency": "€"}, "€0.00"),
    (np.float32(2.5), "currency", {}, "$2.50"),
    # integer: rounded half to even, thousands separated
    (1234567.4, "integer", {}, "1,234,567"),
    (2.5, "integer", {}, "2"),
    (3.5, "integer", {}, "4"),
    (-1500, "integer", {}, "−1,500"),
    (np.int64(42), "integer", {}, "42"),
    # decimal: always two places
    (3, "decimal", {}, "3.00"),
    (-1234.567, "decimal", {}, "−1,234.57"),
    # day numbers: 0 is the spec's first day (Saturday by default)
    (0, "day", {}, "Saturday"),
    (1, "day", {}, "Sunday"),
    (6, "day", {}, "Friday"),
    (0, "day", {"day_zero": "Sunday"}, "Sunday"),
    (7, "day", {}, "Saturday"),
    (np.int8(3), "day", {"day_zero": "Sunday"}, "Wednesday"),
    # auto and number: whole numbers as integers, large ones without decimals, small with two
    (10, "auto", {}, "10"),
    (10.0, "number", {}, "10"),
    (1234.5, "auto", {}, "1,234"),  # ≥ 1,000: no decimals (round half to even)
    (1235.5, "auto", {}, "1,236"),
    (9.876, "number", {}, "9.88"),
    (-0.5, "auto", {}, "−0.50"),
    (1e15, "auto", {}, "1,000,000,000,000,000"),
    (True, "auto", {}, "1"),
    (Decimal("2.50"), "auto", {}, "2.50"),
]


@pytest.mark.parametrize(
    ("value", "fmt", "options", "expected"),
    CASES,
    ids=[f"{fmt}:{value!r}" for value, fmt, _, _ in CASES],
)
def test_format_value(value: Any, fmt: str, options: dict[str, str], expected: str) -> None:
    assert format_value(value, fmt, **options) == expected


def test_an_unknown_format_is_a_bug_not_a_blank() -> None:
    with pytest.raises(ValueError, match="unknown format 'percentage'"):
        format_value(1.0, "percentage")


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        (2014, "plain", "2014"),
        (2014.0, "year", "2014"),
        (2014, "integer", "2,014"),
        (8.0, {"type": "number", "decimals": 1}, "8.0"),
        (828.04, {"type": "number", "decimals": 0, "suffix": " mm"}, "828 mm"),
        (2_134_047.6, {"type": "currency", "compact": True}, "$2.1M"),
        (-2_134_047.6, {"type": "currency", "compact": True}, "−$2.1M"),
        (950.0, {"type": "number", "compact": True}, "950"),
        (1_500.0, {"type": "number", "compact": True}, "1.5K"),
        (0.1234, {"type": "percent", "decimals": 0}, "12%"),
        (0.05, "points", "5.0 pp"),
        (123456789, {"type": "integer", "separators": False}, "123456789"),
        (1234.5, "currency", "$1,234.50"),
    ],
)
def test_number_formats(value: float, fmt: object, expected: str) -> None:
    code = ValueFormat.model_validate(fmt).code() if isinstance(fmt, dict) else str(fmt)
    assert format_value(value, code) == expected


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("auto", "2015-07-01"),
        ("date", "2015-07-01"),
        ("month", "Jul 2015"),
        ("quarter", "2015 Q3"),
        ("year", "2015"),
        ("datetime", "2015-07-01 00:00"),
    ],
)
def test_date_formats(fmt: str, expected: str) -> None:
    for value in (pd.Timestamp(2015, 7, 1), dt.date(2015, 7, 1)):
        assert format_value(value, fmt) == expected
    assert format_value(pd.Timestamp(2015, 7, 1, 14, 30)) == "2015-07-01 14:30"


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("auto", ",~f"),  # fixed point: never '1e+2'
        ("number", ",~f"),
        ("integer", ",.0f"),
        ("plain", ".0f"),  # years: 2014, not 2,014
        ("number;d=1", ",.1~f"),
        ("currency;compact", "$.3~s"),
        ("percent;d=0", ".0~%"),
    ],
)
def test_axis_formats_follow_the_value_format(fmt: str, expected: str) -> None:
    assert d3_axis_format(fmt) == expected


def test_tooltip_formats_scale_shares_and_points() -> None:
    """A share or a percentage-point difference is stored as a fraction: a tooltip must not print
    0.05 where the report prints 5.0% or 5.0 pp."""
    assert d3_format("percent") == ".1%"
    assert d3_format("points") == ".1%"
    assert d3_format("points;d=2") == ".2%"
    assert d3_format("integer") == ",.0f"


def test_label_expressions_finish_what_d3_cannot_write() -> None:
    from reportgen.style.format import label_expr

    assert label_expr("points") == "replace(datum.label, '%', ' pp')"
    assert label_expr("number;d=1;s= mm") == 'datum.label + " mm"'
    assert label_expr("currency") is None
    assert label_expr("percent") is None
    # A suffix is spec text: a quote or backslash stays inside the string literal.
    assert label_expr('number;s=" + alert(1) + "\\') == 'datum.label + "\\" + alert(1) + \\"\\\\"'
