"""Value formats: names and codes with options, the same in text, tables and chart axes."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from reportgen.spec.models import ValueFormat
from reportgen.style.format import d3_axis_format, format_value


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
