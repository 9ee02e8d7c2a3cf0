"""A section's full result → its CSV export, text guarded against formula injection.

The rule (README, "Outputs"): a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is written with a leading apostrophe (``'=HYPERLINK(…)``), the convention
spreadsheets show as plain text. Numbers, and text that starts otherwise, are written as they
are. The workbook needs no such mark: its text cells are typed as text.
"""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guarded_text(value: object) -> object:
    """``value`` with a leading apostrophe when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def section_csv(frame: pd.DataFrame) -> bytes:
    """Every row of the section's result as UTF-8 CSV (``\\n`` line ends), text guarded."""
    shown = frame.copy()
    for name in shown.columns:
        series = shown[name]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            shown[name] = series.map(guarded_text)
    return shown.to_csv(index=False, lineterminator="\n").encode("utf-8")
