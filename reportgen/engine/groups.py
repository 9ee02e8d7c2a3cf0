"""Group columns → integer group codes and labels, the "Not stated" and Other buckets, and the
result frame of one atom; the same for every engine.

A group key's codes index its levels (-1: no value). Several keys combine into one code
(``code * width + next``); ``result_frame`` turns the per-code results back into labelled rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from reportgen.data.frame import integer_width
from reportgen.engine.plan import NOT_STATED, GroupKey, Keep, atom_id
from reportgen.model.semantic import Atom


def factorize(series: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Codes (-1: missing) and sorted levels of a column (a categorical keeps its categories)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy().astype("int64"), list(series.cat.categories)
    codes, uniques = pd.factorize(series, sort=True)
    values = [u.item() if hasattr(u, "item") else u for u in uniques]
    if values and all(isinstance(v, float) and v.is_integer() for v in values):
        values = [int(v) for v in values]  # integers that went through a lookup with gaps
    return codes.astype("int64"), values


def codes_in(series: pd.Series, levels: list[Any]) -> np.ndarray:
    """Codes of a column's values in known ``levels`` (-1: missing or not among them)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy().astype("int64")
    return pd.Index(levels).get_indexer(series).astype("int64")


def is_text_levels(levels: list[Any]) -> bool:
    """Whether a group column's values are text (a missing one is a "Not stated" group) rather
    than numbers or flags (a missing one is left out: an hour or a count has no such group)."""
    return not levels or not all(
        isinstance(v, (bool, int, float, np.bool_, np.number)) for v in levels
    )


def stated(
    key: GroupKey, codes: np.ndarray, levels: list[Any], keep: Keep | None
) -> tuple[np.ndarray, list[Any]]:
    """A key's codes and levels as the result shows them: a missing text value is the
    ``NOT_STATED`` group, and with ``keep`` on this key the values outside it become one group
    labelled ``keep.other`` (kept values first, in level order). Codes come back narrowed."""
    if is_text_levels(levels):
        missing = codes < 0
        if missing.any():
            codes = np.where(missing, len(levels), codes)
            levels = [*levels, NOT_STATED]
    if keep is not None and keep.column == key.name:
        kept = [u for u in levels if str(u) in keep.values]
        remap = np.array(
            [kept.index(u) if str(u) in keep.values else len(kept) for u in levels] + [-1]
        )
        codes = remap[codes]
        levels = [*kept, keep.other]
    return narrow(codes, len(levels)), list(levels)


def narrow(codes: np.ndarray, levels: int) -> np.ndarray:
    """Codes in the narrowest integer type that holds them (and -1): a scan looks them up once
    per order line, and a small array stays in the CPU cache (int8 gathers ~6x faster than int64)."""
    return codes.astype(integer_width(-1, levels), copy=False)


def size_of(levels: list[list[Any]]) -> int:
    """The number of combined group codes of several keys (1 with no key)."""
    return int(np.prod([max(len(level), 1) for level in levels])) if levels else 1


def result_frame(
    by: tuple[GroupKey, ...],
    levels: list[list[Any]],
    atom: Atom,
    present: np.ndarray,
    reduced: np.ndarray,
) -> pd.DataFrame:
    """One atom's result: a row per present group, its labels, then the atom's column."""
    index = np.flatnonzero(present) if by else np.array([0])
    frame = pd.DataFrame({atom_id(atom): np.asarray(reduced)[index]})
    remainder = index.copy()
    for key, level in reversed(list(zip(by, levels, strict=True))):
        width = len(level) or 1
        frame.insert(0, key.name, np.array(level, dtype=object)[remainder % width])
        remainder //= width
    return frame


def combine_atoms(by: tuple[GroupKey, ...], frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One frame from per-atom results: outer-joined on the group columns (side by side without)."""
    names = [key.name for key in by]
    result = frames[0]
    for frame in frames[1:]:
        result = (
            result.merge(frame, on=names, how="outer")
            if names
            else pd.concat([result, frame], axis=1)
        )
    return result
