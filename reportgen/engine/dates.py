"""A date column → its parts (year, month …), names (ordered) or period starts, per row.

One table, ``DATE_FUNCTIONS``, maps each row function of ``model.expr.ROW_FUNCTIONS`` to its
vectorised pandas computation; the executors look functions up here and nowhere else.
Parts are nullable integers (a missing date gives a missing part); names are ordered
categoricals (Jan … Dec, Monday … Sunday), so they sort by the calendar, not the alphabet;
period starts are dates, so a label such as 'Jul 2015' sorts by time.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class NotADate(TypeError):
    """A date function applied to a column that holds no dates."""


def as_dates(values: pd.Series) -> pd.Series:
    """``values`` as datetime64; a column of another kind is refused (not guessed)."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values
    if isinstance(values.dtype, pd.CategoricalDtype) and pd.api.types.is_datetime64_any_dtype(
        values.cat.categories.dtype
    ):
        return values.astype(values.cat.categories.dtype)
    msg = (
        f"holds {values.dtype} values, not dates; declare it under the table's "
        "'columns: {name: {type: date, format: …}}'"
    )
    raise NotADate(msg)


def _part(get: Callable[[pd.Series], pd.Series]) -> Callable[[pd.Series], pd.Series]:
    def compute(values: pd.Series) -> pd.Series:
        return get(as_dates(values).dt).astype("Int64")  # type: ignore[arg-type]

    return compute


def _names(
    get: Callable[[pd.Series], pd.Series], names: tuple[str, ...], first: int
) -> Callable[[pd.Series], pd.Series]:
    """Ordered names from a part numbered from ``first`` (months 1–12, weekdays 0–6)."""

    def compute(values: pd.Series) -> pd.Series:
        dates = as_dates(values)
        numbers = get(dates.dt)  # type: ignore[arg-type]
        codes = (numbers.fillna(first).astype("int64") - first).where(dates.notna(), -1)
        categorical = pd.Categorical.from_codes(codes.to_numpy(), categories=names, ordered=True)
        return pd.Series(categorical)

    return compute


def _start(freq: str) -> Callable[[pd.Series], pd.Series]:
    def compute(values: pd.Series) -> pd.Series:
        dates = as_dates(values)
        if freq in ("D", "h"):
            return dates.dt.floor(freq)
        return dates.dt.to_period(freq).dt.start_time.astype(dates.dtype)

    return compute


DATE_FUNCTIONS: dict[str, Callable[[pd.Series], pd.Series]] = {
    "year": _part(lambda d: d.year),
    "quarter": _part(lambda d: d.quarter),
    "month": _part(lambda d: d.month),
    "week": _part(lambda d: d.isocalendar().week),
    "weekday": _part(lambda d: d.day_of_week + 1),  # ISO: Monday 1 … Sunday 7
    "day": _part(lambda d: d.day),
    "hour": _part(lambda d: d.hour),
    "month_name": _names(lambda d: d.month, MONTH_NAMES, 1),
    "weekday_name": _names(lambda d: d.day_of_week, WEEKDAY_NAMES, 0),
    "to_year": _start("Y"),
    "to_quarter": _start("Q"),
    "to_month": _start("M"),
    "to_week": _start("W-SUN"),  # weeks start on Monday
    "to_day": _start("D"),
    "to_hour": _start("h"),
}
