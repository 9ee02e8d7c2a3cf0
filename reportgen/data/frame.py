"""An Arrow table → a compact pandas frame: narrow integers, categories for text, float64 numbers.

The dtype rules, applied after cleaning so that a frame depends only on its rows:
- integers take the narrowest of int8/16/32/64 that holds their range; an integer column with
  missing values takes the matching nullable type (Int8 … Int64);
- other numbers are float64 (sums then equal a plain pandas computation);
- text is ``category``, categories sorted, unused ones dropped, and "" counted as missing;
- a column with no values at all (e.g. a header-only file) is float64, all missing;
- booleans stay bool (nullable ``boolean`` when values are missing); dates and times are
  datetime64 (Arrow dates become timestamps at midnight).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_WIDTHS = (np.int8, np.int16, np.int32, np.int64)
_NULLABLE = {
    np.dtype(np.int8): pd.Int8Dtype(),
    np.dtype(np.int16): pd.Int16Dtype(),
    np.dtype(np.int32): pd.Int32Dtype(),
    np.dtype(np.int64): pd.Int64Dtype(),
}
_ARROW_NULLABLE = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}


def to_frame(arrow: pa.Table) -> pd.DataFrame:
    """Convert column by column, narrowing integers in Arrow before pandas sees them."""
    columns = {name: _to_series(arrow.column(name)) for name in arrow.column_names}
    return pd.DataFrame(columns, index=pd.RangeIndex(arrow.num_rows), copy=False)


def compact(frame: pd.DataFrame) -> pd.DataFrame:
    """Apply the dtype rules to a (cleaned) frame; the result has a fresh RangeIndex."""
    columns = {name: compact_series(frame[name]) for name in frame.columns}
    return pd.DataFrame(columns, index=pd.RangeIndex(len(frame)), copy=False)


def compact_series(values: pd.Series) -> pd.Series:
    """One column under the dtype rules."""
    values = values.reset_index(drop=True)
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _tidy_categories(values)
    if pd.api.types.is_integer_dtype(dtype):
        return _narrow(values)
    if pd.api.types.is_float_dtype(dtype):
        return values.astype(np.float64)
    if pd.api.types.is_string_dtype(dtype) or dtype.kind == "O":
        return _tidy_categories(values.astype("category"))
    if isinstance(dtype, pd.BooleanDtype) and not values.hasnans:
        return values.astype(bool)
    return values


def _to_series(values: pa.ChunkedArray) -> pd.Series:
    kind = values.type
    if pa.types.is_null(kind):
        return pd.Series(np.full(len(values), np.nan))
    if pa.types.is_integer(kind):
        lowest, highest = pc.min_max(values).values()
        width = integer_width(lowest.as_py() or 0, highest.as_py() or 0)
        values = values.cast(pa.from_numpy_dtype(width))
    if pa.types.is_floating(kind):
        values = values.cast(pa.float64())
    if pa.types.is_date(kind):  # a date is a timestamp at midnight (not Python date objects)
        values = values.cast(pa.timestamp("s"))
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        values = values.dictionary_encode()
    series = values.to_pandas(types_mapper=_ARROW_NULLABLE.get if values.null_count else None)
    return compact_series(series) if isinstance(series.dtype, pd.CategoricalDtype) else series


def integer_width(lowest: int, highest: int) -> type[np.signedinteger]:
    """The narrowest signed integer type holding every value from ``lowest`` to ``highest``."""
    for width in _WIDTHS:
        info = np.iinfo(width)
        if info.min <= lowest and highest <= info.max:
            return width
    return np.int64


def _narrow(values: pd.Series) -> pd.Series:
    present = values.dropna()
    lowest = int(present.min()) if len(present) else 0
    highest = int(present.max()) if len(present) else 0
    width = np.dtype(integer_width(lowest, highest))
    if values.hasnans:
        return values.astype(_NULLABLE[width])
    return values.astype(width)


def _tidy_categories(values: pd.Series) -> pd.Series:
    """Drop unused categories and "", sort the rest (bincount: no sort of the codes)."""
    categories = values.cat.categories
    codes = values.cat.codes.to_numpy()
    used = np.bincount(codes[codes >= 0], minlength=len(categories)) > 0
    if "" in categories:
        used[categories.get_loc("")] = False
    ordered = categories[used].sort_values()
    if ordered.equals(categories):
        return values
    return values.cat.set_categories(ordered)
