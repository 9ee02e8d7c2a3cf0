"""Section results + the definitions → an Excel workbook (XlsxWriter): a contents sheet, one
sheet per section with real number formats, and the definitions from Data and methods.

Numbers stay numbers, shown in the report's formats (currency, percent, integers); every text
cell is written as text (``write_string``), so a name like ``=HYPERLINK(…)`` is never a formula.
The bytes depend only on the inputs: the workbook's dates are the build date.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from numbers import Number
from typing import Any

import pandas as pd
import xlsxwriter

from reportgen.render.context import TableBlock
from reportgen.style.format import format_value, is_missing

SHEET_NAME_LIMIT = 31
# Rows per section sheet: a sheet of 50,000 products would cost seconds per build (XlsxWriter
# writes ~100,000 cells a second); the CSV export keeps every row.
MAX_SHEET_ROWS = 5000
MAX_WIDTH = 60
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\']")


@dataclass(frozen=True)
class SectionSheet:
    """One section's table as the workbook shows it."""

    id: str
    title: str
    question: str
    frame: pd.DataFrame  # every group (the CSV export's rows)
    labels: Mapping[str, str]  # column → header
    formats: Mapping[str, str]  # column → the spec's format (integer, currency, percent …)


def excel_format(fmt: str, values: pd.Series, currency: str = "$") -> str:
    """The Excel number format matching ``format_value``'s ``fmt``."""
    if fmt == "percent":
        return "0.0%"
    if fmt == "currency":
        return f'"{currency}"#,##0.00'
    if fmt == "integer":
        return "#,##0"
    if fmt == "decimal":
        return "#,##0.00"
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    whole = bool(((numbers % 1) == 0).all())
    return "#,##0" if whole else "#,##0.00"


def sheet_names(ids: Sequence[str], reserved: Sequence[str] = ()) -> dict[str, str]:
    """A distinct Excel sheet name (≤ 31 characters, no ``[]:*?/\\'``) per section id."""
    used = {name.lower() for name in reserved}
    names: dict[str, str] = {}
    for section_id in ids:
        base = _NOT_IN_SHEET_NAMES.sub("-", section_id)[:SHEET_NAME_LIMIT] or "section"
        name, number = base, 2
        while name.lower() in used:
            suffix = f"-{number}"
            name = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix
            number += 1
        used.add(name.lower())
        names[section_id] = name
    return names


def render_workbook(
    title: str,
    subtitle: str,
    built: datetime,
    sheets: Sequence[SectionSheet],
    definitions: Sequence[TableBlock],
    *,
    currency: str = "$",
    day_zero: str = "Saturday",
    author: str = "",
) -> bytes:
    """The workbook's bytes; the same arguments give the same bytes."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    book.set_properties({"title": title, "subject": subtitle, "author": author, "created": built})
    bold = book.add_format({"bold": True})
    heading = book.add_format({"bold": True, "font_size": 14})
    header = book.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"})
    link = book.add_format({"font_color": "#1F4E79", "underline": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    names = sheet_names([s.id for s in sheets], reserved=("Contents", "Definitions"))

    contents = book.add_worksheet("Contents")
    contents.write_string(0, 0, title, heading)
    contents.write_string(1, 0, subtitle)
    contents.write_string(2, 0, f"Built {built.date().isoformat()}")
    for column, text in enumerate(("Sheet", "Section", "Question")):
        contents.write_string(4, column, text, header)
    rows = [(names[s.id], s.title, s.question) for s in sheets]
    if definitions:
        rows.append(("Definitions", "Definitions", "What each table, field and metric means"))
    for row, (target, section_title, question) in enumerate(rows, start=5):
        contents.write_url(row, 0, f"internal:'{target}'!A1", link, target)
        contents.write_string(row, 1, section_title)
        contents.write_string(row, 2, question)
    _widths(contents, [["Sheet", *(r[0] for r in rows)], [r[1] for r in rows], []], [0, 48, 60])
    contents.freeze_panes(5, 0)

    for sheet in sheets:
        _section_sheet(book, names[sheet.id], sheet, header, heading, currency, day_zero)
    if definitions:
        _definitions_sheet(book, definitions, header, bold, wrap)
    book.close()
    return buffer.getvalue()


def _section_sheet(
    book: Any,
    name: str,
    sheet: SectionSheet,
    header: Any,
    heading: Any,
    currency: str,
    day_zero: str,
) -> None:
    """Title and question above a table whose header row is frozen and filterable."""
    page = book.add_worksheet(name)
    page.write_string(0, 0, sheet.title, heading)
    if sheet.question:
        page.write_string(1, 0, sheet.question)
    frame = sheet.frame.head(MAX_SHEET_ROWS)
    if len(sheet.frame) > len(frame):
        note = (
            f"The first {len(frame):,} of {len(sheet.frame):,} rows; every row is in the "
            f"CSV export ({sheet.id}.csv)."
        )
        page.write_string(2, 0, note)
    top = 3
    columns = list(frame.columns)
    widths: list[list[str]] = []
    for index, column in enumerate(columns):
        label = sheet.labels.get(column, column)
        page.write_string(top, index, label, header)
        values = frame[column]
        fmt = sheet.formats.get(column, "auto")
        numeric = fmt not in ("text", "day") and _numeric(values)
        cell = book.add_format({"num_format": excel_format(fmt, values, currency)})
        shown = [label]
        for row, value in enumerate(values.tolist(), start=top + 1):
            if is_missing(value):
                page.write_blank(row, index, None)
            elif numeric:
                page.write_number(row, index, float(value), cell)
            else:
                text = format_value(value, fmt, currency=currency, day_zero=day_zero)
                page.write_string(row, index, text)
            if row < top + 200:  # widths from the first rows
                shown.append(format_value(value, fmt, currency=currency, day_zero=day_zero))
        widths.append(shown)
    page.freeze_panes(top + 1, 0)
    if columns:
        page.autofilter(top, 0, top + len(frame), len(columns) - 1)
    _widths(page, widths)


def _definitions_sheet(
    book: Any, blocks: Sequence[TableBlock], header: Any, bold: Any, wrap: Any
) -> None:
    page = book.add_worksheet("Definitions")
    row = 0
    widths: list[list[str]] = []
    for block in blocks:
        if block.caption:
            page.write_string(row, 0, block.caption, bold)
            row += 1
        for index, column in enumerate(block.columns):
            page.write_string(row, index, column.label, header)
        row += 1
        for cells in block.rows:
            for index, text in enumerate(cells):
                page.write_string(row, index, str(text), wrap)
            row += 1
        row += 1
        for index in range(len(block.columns)):
            while len(widths) <= index:
                widths.append([])
            widths[index].extend(str(r[index]) for r in block.rows if index < len(r))
    _widths(page, widths, [28, 24, 80])


def _numeric(values: pd.Series) -> bool:
    present = [v for v in values.tolist() if not is_missing(v)]
    return bool(present) and all(
        isinstance(v, Number) and not isinstance(v, bool) and math.isfinite(float(v))  # type: ignore[arg-type]
        for v in present
    )


def _widths(page: Any, columns: Sequence[Sequence[str]], limits: Sequence[int] = ()) -> None:
    """Each column as wide as its longest text (in characters), between 8 and a limit."""
    for index, texts in enumerate(columns):
        limit = limits[index] if index < len(limits) else MAX_WIDTH
        longest = max((len(text) for text in texts), default=0)
        page.set_column(index, index, max(8, min(limit, longest + 2)))
