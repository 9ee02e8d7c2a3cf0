"""Declared date columns (``data.<table>.columns``) + the read Arrow table → date columns.

Text is parsed with the declared strftime format (ISO 8601 by default); a value that does not
parse is a data error naming the table, the column, the value and its line. Columns Arrow
already holds as dates (Parquet dates and timestamps) are kept as they are.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from reportgen.data.columns import ColumnPlan
from reportgen.errors import DataError
from reportgen.spec.models import TableSpec

ISO_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


def declared_dates(table: TableSpec, plan: ColumnPlan) -> list[str]:
    """File names of the planned columns declared as dates (read as text, then parsed)."""
    return [source for source, spec in plan.names.items() if spec in table.columns]


def parse_dates(
    name: str, table: TableSpec, plan: ColumnPlan, arrow: pa.Table, line_offset: int | None
) -> pa.Table:
    """``arrow`` with each declared date column as timestamps (file column names)."""
    for source in declared_dates(table, plan):
        column = arrow.column(source)
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue  # already dates (Parquet), or numbers: left for the date functions to refuse
        declared = table.columns[plan.names[source]]
        formats = (declared.format,) if declared.format else ISO_FORMATS
        parsed = _parse(column, formats)
        bad = pc.and_(pc.is_valid(column), pc.is_null(parsed))
        bad = pc.and_(bad, pc.not_equal(pc.utf8_trim_whitespace(column), ""))
        if pc.any(bad).as_py():
            first = pc.index(bad, True).as_py()
            where = f" on line {first + line_offset}" if line_offset is not None else ""
            shown = declared.format or "ISO 8601, e.g. 2015-07-01"
            msg = (
                f"'{column[first].as_py()}'{where} is not a {declared.type} in the format "
                f"{shown}; set data.{name}.columns.{plan.names[source]}.format"
            )
            raise DataError(msg, table=name, column=plan.names[source])
        arrow = arrow.set_column(arrow.column_names.index(source), source, parsed)
    return arrow


def _parse(column: pa.ChunkedArray, formats: tuple[str, ...]) -> pa.ChunkedArray:
    """The first format that parses each value (missing where none does)."""
    trimmed = pc.utf8_trim_whitespace(column)
    result = None
    for fmt in formats:
        parsed = pc.strptime(trimmed, format=fmt, unit="s", error_is_null=True)
        result = parsed if result is None else pc.coalesce(result, parsed)
    assert result is not None
    return result
