"""Keys and values → row positions and plain arrays: the lookups every engine kernel is built on.

A many-to-one join is an array lookup (``take``) into the smaller table; keys become positions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def lookup(keys: pd.Series, foreign: pd.Series) -> np.ndarray:
    """Positions of ``foreign`` values in ``keys`` (-1 where absent)."""
    if (
        pd.api.types.is_integer_dtype(keys.dtype)
        and pd.api.types.is_numeric_dtype(foreign.dtype)
        and len(keys)
    ):
        key_values = keys.to_numpy(dtype="int64")
        low, high = int(key_values.min()), int(key_values.max())
        if low >= 0 and high < 50 * len(key_values) + 1_000_000:
            width = "int32" if len(key_values) < 2**31 - 1 else "int64"
            table = np.full(high + 1, -1, dtype=width)
            table[key_values] = np.arange(len(key_values), dtype=width)
            fk = (
                foreign.to_numpy(dtype="float64", na_value=np.nan)
                if foreign.hasnans
                else foreign.to_numpy()
            )
            if fk.dtype.kind == "f":
                ok = ~np.isnan(fk) & (fk >= 0) & (fk <= high) & (fk == np.floor(fk))
                fk_int = np.where(ok, fk, 0).astype("int64")
            else:
                if len(fk) == 0 or (fk.min() >= 0 and fk.max() <= high):
                    return table[fk]  # no copy to int64: numpy indexes with any integer width
                ok = (fk >= 0) & (fk <= high)
                fk_int = np.where(ok, fk, 0)
            return np.where(ok, table[fk_int], -1)
    index = pd.Index(keys.astype(object) if isinstance(keys.dtype, pd.CategoricalDtype) else keys)
    target = foreign.astype(object) if isinstance(foreign.dtype, pd.CategoricalDtype) else foreign
    return index.get_indexer(target).astype("int64")


def follow(step: np.ndarray, then: np.ndarray) -> np.ndarray:
    """Positions two hops away: ``then`` looked up at ``step`` (-1 stays -1)."""
    found = step >= 0
    return np.where(found, then[np.where(found, step, 0)], -1)


def take(series: pd.Series, positions: np.ndarray) -> pd.Series:
    """``series`` looked up at ``positions`` (-1 gives a missing value)."""
    missing = positions < 0
    safe = np.where(missing, 0, positions) if missing.any() else positions
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        taken = codes[safe] if len(codes) else np.full(len(safe), -1, dtype=codes.dtype)
        if missing.any():
            taken = np.where(missing, -1, taken)
        return pd.Series(pd.Categorical.from_codes(taken, dtype=series.dtype))
    values = numeric_array(series)
    if len(values) == 0:
        return pd.Series(np.full(len(safe), np.nan))
    taken_values = values[safe]
    if missing.any():
        taken_values = taken_values.astype("float64")
        taken_values[missing] = np.nan
    return pd.Series(taken_values)


def numeric_array(series: pd.Series) -> np.ndarray:
    """A numpy array of a numeric or boolean column; nullable missing values become NaN."""
    if series.dtype == bool:
        return series.to_numpy()
    if series.hasnans if hasattr(series, "hasnans") else False:
        return series.to_numpy(dtype="float64", na_value=np.nan)
    try:
        return series.to_numpy()
    except (TypeError, ValueError):
        return series.to_numpy(dtype="float64", na_value=np.nan)


def as_numeric(value: Any) -> Any:
    """A column as numbers (text that is not a number becomes missing, flags 0/1); scalars as is."""
    if isinstance(value, pd.Series):
        if isinstance(value.dtype, pd.CategoricalDtype):
            return pd.to_numeric(value.astype(object), errors="coerce")
        if value.dtype == bool:
            return value.astype("int64")
        if not pd.api.types.is_numeric_dtype(value.dtype):
            return pd.to_numeric(value, errors="coerce")
        return (
            value.astype("float64") if pd.api.types.is_extension_array_dtype(value.dtype) else value
        )
    return value


def as_bool(values: Any, length: int) -> np.ndarray:
    """A condition's result as a numpy bool array (missing counts as false)."""
    if np.isscalar(values) or values is None:
        return np.full(length, bool(values))
    if isinstance(values, pd.Series):
        return values.fillna(False).to_numpy(dtype=bool)
    return np.asarray(values, dtype=bool)


def key_text(value: Any) -> Any:
    """A value as the text a spec's map lists it by (``3.0`` → ``"3"``; missing stays None)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
