"""A section's full result → the rows its CSV export writes, text guarded against formula injection.

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


def guarded(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the section's result whose text cells are guarded (see ``guarded_text``)."""
    shown = frame.copy()
    for name in shown.columns:
        series = shown[name]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            shown[name] = series.map(guarded_text)
    return shown
