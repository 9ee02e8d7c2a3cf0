"""Per-group reductions, each written once as partial → merge → final.

A partial is what one chunk of rows (pandas) or one partition (Dask) contributes; partials of
the same reduction merge associatively; ``final`` turns the merged partial into one value per
group. Group labels are integer codes ``0 .. size-1``; ``mask`` selects the rows that count.

count: rows per group · sum, mean: (sums, usable values) · count_distinct: distinct
(group, value) pairs · median: (group, value, times) rows · min, max: per-group extremes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from reportgen.engine.lookups import as_numeric
from reportgen.errors import DataError

FUNCS = ("count", "sum", "mean", "count_distinct", "median", "min", "max")
FROM_SUMS = ("count", "sum", "mean")  # reductions a chunked scan's (rows, usable, sums) finish


def numbers(func: str, values: pd.Series) -> np.ndarray:
    """A value column as float64 (NaN: no value); a text column is a located data error."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        msg = f"cannot compute {func} of a text column"
        raise DataError(msg, column=str(values.name))
    return np.asarray(as_numeric(values).to_numpy(dtype="float64", na_value=np.nan))


def partial(
    func: str, codes: np.ndarray, mask: np.ndarray, values: pd.Series | None, size: int
) -> Any:
    """What the rows given contribute to ``func`` per group; merged by ``merge``."""
    if func == "count":
        return np.bincount(codes[mask], minlength=size).astype("int64")
    assert values is not None
    if func == "count_distinct":
        pairs = pd.DataFrame({"g": codes[mask], "v": values[mask].to_numpy()})
        return pairs.dropna().drop_duplicates()
    array = numbers(func, values)
    usable = mask & ~np.isnan(array)
    if func in ("sum", "mean"):
        sums = np.bincount(codes[usable], weights=array[usable], minlength=size)
        return sums, np.bincount(codes[usable], minlength=size)
    if func == "median":
        pairs = pd.DataFrame({"g": codes[usable], "v": array[usable]})
        return pairs.value_counts().rename("n").reset_index()
    grouped = pd.Series(array[usable]).groupby(codes[usable])
    reduced = grouped.min() if func == "min" else grouped.max()
    out = np.full(size, np.nan)
    out[reduced.index.to_numpy()] = reduced.to_numpy()
    return out


def merge(func: str, left: Any, right: Any) -> Any:
    """Two partials of the same reduction as one."""
    if func == "count":
        return left + right
    if func in ("sum", "mean"):
        return left[0] + right[0], left[1] + right[1]
    if func == "count_distinct":
        return pd.concat([left, right], ignore_index=True).drop_duplicates()
    if func == "median":
        both = pd.concat([left, right], ignore_index=True)
        return both.groupby(["g", "v"], as_index=False, sort=False)["n"].sum()
    return np.fmin(left, right) if func == "min" else np.fmax(left, right)


def final(func: str, merged: Any, size: int) -> np.ndarray:
    """One value per group from a merged partial (NaN where a group has no usable value)."""
    if func == "count":
        return np.asarray(merged, dtype="int64")
    if func == "count_distinct":
        return np.bincount(merged["g"].to_numpy(dtype="int64"), minlength=size).astype("int64")
    if func == "sum":
        return np.asarray(merged[0])
    if func == "mean":
        return mean(*merged)
    if func == "median":
        return weighted_median(merged, size)
    return np.asarray(merged)


def reduce_groups(
    func: str, codes: np.ndarray, mask: np.ndarray, values: pd.Series | None, size: int
) -> np.ndarray:
    """``func`` per group over all the rows at once (one partial, finished).

    A median over one set of rows is taken directly: its mergeable form (value counts) only
    pays off when partials are merged."""
    if func != "median":
        return final(func, partial(func, codes, mask, values, size), size)
    assert values is not None
    array = numbers(func, values)
    usable = mask & ~np.isnan(array)
    medians = pd.Series(array[usable]).groupby(codes[usable]).median()
    out = np.full(size, np.nan)
    out[medians.index.to_numpy()] = medians.to_numpy()
    return out


def from_sums(func: str, rows: np.ndarray, usable: np.ndarray, sums: np.ndarray) -> np.ndarray:
    """count, sum or mean per group from a scan's rows, usable values and sums per group."""
    if func == "count":
        return final(func, rows, len(rows))
    return final(func, (sums, usable), len(rows))


def mean(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Sums over counts; NaN where a group has no value."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def weighted_median(counts: pd.DataFrame, size: int) -> np.ndarray:
    """Exact medians per group from (group ``g``, value ``v``, times ``n``) rows."""
    out = np.full(size, np.nan)
    if counts.empty:
        return out
    ordered = counts.sort_values(["g", "v"], kind="stable")
    groups = ordered["g"].to_numpy(dtype="int64")
    values = ordered["v"].to_numpy(dtype="float64")
    n = ordered["n"].to_numpy(dtype="int64")
    end = ordered.groupby("g", sort=False)["n"].cumsum().to_numpy()
    start = end - n
    total = np.zeros(size, dtype="int64")
    np.add.at(total, groups, n)
    picks = []
    for k in ((total - 1) // 2, total // 2):
        target = k[groups]
        hit = (start <= target) & (target < end)
        picked = np.full(size, np.nan)
        picked[groups[hit]] = values[hit]
        picks.append(picked)
    present = total > 0
    out[present] = (picks[0][present] + picks[1][present]) / 2
    return out


def settle(values: pd.Series, func: str) -> pd.Series:
    """Round float aggregates to 9 decimals, so a value such as a mean of exactly 10.00 compares
    the same whatever order its sum was added up in (per line, per order, per partition)."""
    if func in ("sum", "mean", "median"):
        return values.round(9)
    return values
