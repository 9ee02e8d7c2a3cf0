"""A freshly read frame + the table's cleaning rules → the cleaned frame and its counted effects.

Order: drop_missing, drop_duplicates (over every column of the file), valid ranges, then the key.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reportgen.data.quality import Exclusion
from reportgen.data.scan import PRIVATE_PREFIX
from reportgen.errors import DataError
from reportgen.spec.models import TableSpec, ValidRange

INFINITE = "{column} infinite, set to missing"


def clean(name: str, table: TableSpec, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Exclusion]]:
    """Apply the rules in order; private columns (read only for duplicates) leave here."""
    rules = table.clean
    frame, effects = infinite_to_missing(frame)
    for column in rules.drop_missing:
        missing = frame[column].isna()
        frame = _drop(frame, missing)
        effects.append(Exclusion(empty_reason(column), int(missing.sum()), column, kind="empty"))
    if rules.drop_duplicates:
        repeated = frame.duplicated(keep="first")
        frame = _drop(frame, repeated)
        effects.append(Exclusion(DUPLICATE_ROWS, int(repeated.sum()), kind="duplicate_rows"))
    frame = frame.drop(columns=[c for c in frame.columns if str(c).startswith(PRIVATE_PREFIX)])
    for column, valid in rules.valid.items():
        frame, effect = _apply_range(name, frame, column, valid)
        if effect is not None:
            effects.append(effect)
    if table.key is not None:
        frame, effect = _check_key(name, table, frame, table.key)
        if effect is not None:
            effects.append(effect)
    return frame, effects


def infinite_to_missing(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Exclusion]]:
    """Blank the infinite values ('inf', '-Infinity' in a file) of every number column and
    count them: a mean or a sum over them would be infinite, and no report can show that."""
    effects = []
    for column in frame.columns:
        values = frame[column]
        if not pd.api.types.is_float_dtype(values.dtype):
            continue
        infinite = np.isinf(values.to_numpy(dtype="float64", na_value=np.nan))
        count = int(infinite.sum())
        if count:
            frame = frame.assign(**{column: values.mask(infinite)})
            effects.append(
                Exclusion(INFINITE.format(column=column), count, column, False, kind="infinite")
            )
    return frame, effects


def _drop(frame: pd.DataFrame, rows: pd.Series) -> pd.DataFrame:
    return frame.loc[~rows] if rows.any() else frame


def _apply_range(
    name: str, frame: pd.DataFrame, column: str, valid: ValidRange
) -> tuple[pd.DataFrame, Exclusion | None]:
    if valid.min is None and valid.max is None:
        return frame, None
    values = frame[column]
    if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        msg = "clean.valid: the column does not hold numbers"
        raise DataError(msg, table=name, column=column)
    outside = pd.Series(False, index=values.index)
    if valid.min is not None:
        outside |= (values < valid.min).fillna(False).astype(bool)
    if valid.max is not None:
        outside |= (values > valid.max).fillna(False).astype(bool)
    count = int(outside.sum())
    if count:
        if pd.api.types.is_integer_dtype(values.dtype) and values.dtype.kind != "O":
            values = values.astype(pd.Int64Dtype())
        frame = frame.assign(**{column: values.mask(outside)})
    return frame, Exclusion(invalid_reason(column, valid), count, column, False, "invalid")


DUPLICATE_ROWS = "rows that repeat an earlier row exactly"


def empty_reason(column: str) -> str:
    return f"rows with no {column}"


def invalid_reason(column: str, valid: ValidRange) -> str:
    return f"{column} values {_describe(valid)}, treated as missing (the rows are kept)"


def duplicate_key_reason(key: str) -> str:
    return f"rows that repeat an earlier {key} (the first is kept)"


def _rows(count: int) -> str:
    return "1 row repeats" if count == 1 else f"{count:,} rows repeat"


def _describe(valid: ValidRange) -> str:
    if valid.min is None:
        return f"above {valid.max:,g}"
    if valid.max is None:
        return f"below {valid.min:,g}"
    return f"outside {valid.min:,g} to {valid.max:,g}"


def _check_key(
    name: str, table: TableSpec, frame: pd.DataFrame, key: str
) -> tuple[pd.DataFrame, Exclusion | None]:
    values = frame[key]
    empty = int(values.isna().sum())
    if empty:
        msg = f"the key is empty on {empty:,} row(s); add it to clean.drop_missing to drop them"
        raise DataError(msg, table=name, column=key)
    repeated = values.duplicated(keep="first")
    count = int(repeated.sum())
    if count and table.clean.duplicate_keys == "error":
        example = values[repeated].iloc[0]
        times = int((values == example).sum())
        msg = (
            f"the key is not unique: {_rows(count)} an earlier key "
            f"(e.g. {example} appears {times} times); fix the file, or set "
            "clean.duplicate_keys: first to keep the first row of each key"
        )
        raise DataError(msg, table=name, column=key)
    if table.clean.duplicate_keys == "error":
        return frame, None
    return _drop(frame, repeated), Exclusion(
        duplicate_key_reason(key), count, key, kind="duplicate_key"
    )
