"""Date functions, declared field orders and result filters on hand-made frames."""

from __future__ import annotations

import pandas as pd
import pytest

from reportgen.engine.dates import DATE_FUNCTIONS, NotADate
from reportgen.engine.field_order import ordered_values
from reportgen.engine.having import keep_having
from reportgen.model import expr as ex

DATES = pd.Series(
    pd.to_datetime(["2015-07-01 14:30", "2014-12-31", None, "2016-02-29"], format="ISO8601")
)


@pytest.mark.parametrize(
    ("func", "expected"),
    [
        ("year", [2015, 2014, None, 2016]),
        ("quarter", [3, 4, None, 1]),
        ("month", [7, 12, None, 2]),
        ("week", [27, 1, None, 9]),  # ISO weeks: 31 Dec 2014 is in week 1 of 2015
        ("weekday", [3, 3, None, 1]),  # Wednesday, Wednesday, Monday
        ("day", [1, 31, None, 29]),
        ("hour", [14, 0, None, 0]),
    ],
)
def test_date_parts(func: str, expected: list[int | None]) -> None:
    got = DATE_FUNCTIONS[func](DATES)
    assert [None if pd.isna(v) else int(v) for v in got] == expected


def test_names_are_ordered_by_the_calendar() -> None:
    months = DATE_FUNCTIONS["month_name"](DATES)
    assert months.tolist()[:2] == ["Jul", "Dec"]
    assert pd.isna(months.iloc[2])
    assert list(months.cat.categories[:3]) == ["Jan", "Feb", "Mar"]
    assert months.cat.ordered
    days = DATE_FUNCTIONS["weekday_name"](DATES)
    assert days.tolist()[0] == "Wednesday"
    assert days.tolist()[3] == "Monday"


@pytest.mark.parametrize(
    ("func", "first"),
    [
        ("to_year", "2015-01-01"),
        ("to_quarter", "2015-07-01"),
        ("to_month", "2015-07-01"),
        ("to_week", "2015-06-29"),  # the Monday
        ("to_day", "2015-07-01"),
        ("to_hour", "2015-07-01 14:00"),
    ],
)
def test_period_starts(func: str, first: str) -> None:
    got = DATE_FUNCTIONS[func](DATES)
    assert got.iloc[0] == pd.Timestamp(first)
    assert pd.isna(got.iloc[2])


def test_a_date_function_refuses_numbers() -> None:
    with pytest.raises(NotADate, match="not dates"):
        DATE_FUNCTIONS["year"](pd.Series([2015, 2016]))


def test_row_expressions_accept_date_functions_only() -> None:
    node = ex.parse("month(date) in [6, 7]")
    assert isinstance(node, ex.Compare)
    assert node.left == ex.Call("month", (ex.Ref(None, "date"),), ())
    with pytest.raises(ex.ExprError, match="may call the date functions year"):
        ex.parse("upper(name)")
    with pytest.raises(ex.ExprError, match="takes one date column"):
        ex.parse("year(a, b)")


def test_explicit_order_then_the_rest() -> None:
    values = pd.Series(["b", "a", "c", "b", None])
    got = ordered_values(values, ["c", "b", "z"], None, lambda _: pd.Series())
    assert list(got.cat.categories) == ["c", "b", "a", "z"]
    assert got.tolist()[:4] == ["b", "a", "c", "b"]


def test_order_by_another_column() -> None:
    labels = pd.Series(["Jul 2015", "Jan 2016", "Jul 2015", "Dec 2015"])
    dates = pd.Series(pd.to_datetime(["2015-07-03", "2016-01-01", "2015-07-01", "2015-12-24"]))
    got = ordered_values(labels, None, "date", lambda text: dates)
    assert list(got.cat.categories) == ["Jul 2015", "Dec 2015", "Jan 2016"]


def test_having_keeps_result_rows_only() -> None:
    table = pd.DataFrame(
        {
            "aisle": pd.Categorical(["x", "y", "z"]),
            "lines": [500, 499, 800],
            "rate": [0.5, 0.9, None],
        }
    )
    kept = keep_having(table, ex.parse("lines >= 500 and aisle != 'z'"))
    assert kept["aisle"].tolist() == ["x"]
    assert keep_having(table, ex.parse("rate > 0.1"))["aisle"].tolist() == [
        "x",
        "y",
    ]  # missing fails
    assert keep_having(table, ex.parse("aisle in ['y', 'z']"))["lines"].tolist() == [499, 800]
    assert keep_having(table, None) is table
