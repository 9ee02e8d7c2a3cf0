"""A table's files + its column plan → one Arrow table of the planned columns, checked."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from reportgen.data.columns import ColumnPlan
from reportgen.data.dates import declared_dates, parse_dates
from reportgen.data.files import InputFile
from reportgen.data.read import (
    DELIMITER_NAMES,
    csv_rows,
    is_gzip,
    is_wide,
    json_records,
    open_input,
    read_input,
    wide_rows,
)
from reportgen.errors import DataError
from reportgen.spec.models import TableSpec

PRIVATE_PREFIX = "__private_"
# A number as written with each decimal mark: plain (1.5, 1,5) and grouped in thousands.
_NUMBER = {
    ".": r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$",
    ",": r"^\s*[-+]?(\d+,?\d*|,\d+)([eE][-+]?\d+)?\s*$",
}
_GROUPED = {
    ".": r"^\s*[-+]?\d{1,3}(,\d{3})+(\.\d+)?\s*$",  # 90,316 or 1,234,567.5
    ",": r"^\s*[-+]?\d{1,3}(\.\d{3})+(,\d+)?\s*$",  # 90.316 or 1.234.567,5
}
_WHOLE = r"^\s*[-+]?\d+\s*$"
_NUMERIC_SHARE = 0.8  # a text column whose values are at least this share numbers is numeric
_EXACT = float(2**53)  # from here on, float64 cannot hold every whole number
_INT64 = (-(2**63), 2**63 - 1)
_BLOCK = 1 << 20  # pyarrow's CSV block; a row must fit in one
_MAX_BLOCK = 1 << 28  # rows up to 256 MiB are read (the block grows 16 times per try)


@dataclass(frozen=True)
class ColumnProblem:
    """A column whose values cannot be used as read: raised when a run needs the column."""

    column: str
    path: str
    message: str

    def error(self, table: str) -> DataError:
        return DataError(self.message, table=table, column=self.column, path=self.path)


def raise_problems(name: str, problems: Iterable[ColumnProblem], needed: Collection[str]) -> None:
    """Raise the first problem of a column the run needs (the same error read or cached)."""
    for problem in problems:
        if problem.column in needed:
            raise problem.error(name)


def scan(
    name: str,
    table: TableSpec,
    files: list[InputFile],
    plan: ColumnPlan,
    needed: Collection[str] | None = None,
) -> tuple[pa.Table, list[ColumnProblem]]:
    """Read the planned columns of every file, check them, and stack them (spec names).

    A column whose values are unusable (text among numbers, thousands separators, whole
    numbers beyond 64 bits) is an error when it is ``needed`` (default: every column read);
    the problems of the other columns are returned, so a cached copy of the whole table
    raises the same error later, for the run that needs the column.
    """
    needed = set(plan.names.values()) if needed is None else set(needed)
    scanned = [_scan_file(name, table, file, plan) for file in files]
    problems = [problem for _, found in scanned for problem in found]
    raise_problems(name, problems, needed)
    parts = [part for part, _ in scanned]
    if len(parts) == 1:
        return parts[0], problems
    try:
        return pa.concat_tables(parts, promote_options="permissive"), problems
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        column, kinds = _type_conflict(parts, files)
        msg = f"holds different kinds of values in different files ({kinds})"
        raise DataError(msg, table=name, column=column) from None


def _scan_file(
    name: str, table: TableSpec, file: InputFile, plan: ColumnPlan
) -> tuple[pa.Table, list[ColumnProblem]]:
    raw: bytes | None = None
    if file.format == "parquet":
        arrow = _read_parquet(name, file, plan)
        line_offset = None
    elif file.format == "json":
        arrow = json_records(name, file).select(list(plan.read))
        line_offset = None
    elif is_wide(name, table, file):
        raw = _transposed(name, file, table.delimiter)
        arrow = _read_csv(name, table, file, plan, raw, as_text=declared_dates(table, plan))
        line_offset = None
    else:
        open_input(name, file).close()  # permissions and the like, as a DataError
        arrow = _read_csv(name, table, file, plan, None, as_text=declared_dates(table, plan))
        line_offset = 2
    arrow = parse_dates(name, table, plan, arrow, line_offset)
    problems: list[ColumnProblem] = []
    if file.format == "csv":
        arrow = _exact_integers(name, table, file, plan, arrow, raw, line_offset, problems)
    arrow = arrow.select(list(plan.read))
    private = {c: f"{PRIVATE_PREFIX}{i}" for i, c in enumerate(plan.private)}
    arrow = arrow.rename_columns([plan.names.get(c) or private[c] for c in arrow.column_names])
    for column in plan.names.values():
        values = arrow.column(column)
        message = _column_problem(name, table, file, column, values, line_offset)
        if message is not None:
            problems.append(ColumnProblem(column, file.display, message))
    return arrow, problems


def _read_csv(
    name: str,
    table: TableSpec,
    file: InputFile,
    plan: ColumnPlan,
    raw: bytes | None,
    *,
    as_text: Collection[str] = (),
    only: bool = False,
) -> pa.Table:
    """Parse CSV (the table's delimiter and decimal mark) from ``raw`` bytes, or from the file
    itself when ``raw`` is None (planned columns with ``as_text``'s read as text, or with
    ``only`` those alone)."""
    convert = pa_csv.ConvertOptions(
        include_columns=list(as_text if only else plan.read),
        column_types=dict.fromkeys([*plan.private, *as_text], pa.string()),
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        decimal_point=table.decimal,
    )
    newlines_in_values, block = False, _BLOCK
    while True:
        parse = pa_csv.ParseOptions(
            delimiter=table.delimiter, newlines_in_values=newlines_in_values
        )
        options = pa_csv.ReadOptions(block_size=block) if block > _BLOCK else None
        try:
            return pa_csv.read_csv(
                _source(file, raw),
                read_options=options,
                parse_options=parse,
                convert_options=convert,
            )
        except (pa.ArrowInvalid, OSError) as error:
            text = str(error)
            if "Expected" in text and "columns, got" in text and not newlines_in_values:
                newlines_in_values = True  # a quoted value may span lines: allow that
                continue
            if "straddling" in text and block < _MAX_BLOCK:
                block *= 16  # a row longer than a block (a 5 MB value): read in larger blocks
                continue
            if raw is None:
                raw = read_input(name, file)
            problem = _csv_problem(text, raw, table.delimiter)
            raise DataError(problem, table=name, path=file.display) from None


def _source(file: InputFile, raw: bytes | None) -> Any:
    if raw is not None:
        return io.BytesIO(raw)
    if is_gzip(file.path):
        return pa.input_stream(str(file.path), compression="gzip")
    if file.path.suffix.lower() == ".gz":  # named .gz but not compressed
        return pa.input_stream(str(file.path), compression=None)
    return str(file.path)


def _csv_problem(text: str, raw: bytes, delimiter: str) -> str:
    """A user's description of a pyarrow CSV error, never quoting the row (it may be private)."""
    if "invalid UTF8" in text:
        return _encoding_problem(raw)
    if "Expected" in text and "columns, got" in text:
        expected, found, line = _ragged_row(raw, delimiter)
        return (
            f"line {line} has {found} fields where the header has {expected} "
            f"(quote values that contain {DELIMITER_NAMES[delimiter]})"
        )
    if "Empty CSV" in text:
        return "the file is empty (0 bytes); expected a header line with the column names"
    if "straddling" in text:
        line = _long_row(raw, delimiter)
        return (
            f"line {line} starts a row longer than {_MAX_BLOCK >> 20} MiB, the most a row may "
            'hold; is a quote (") left unclosed there?'
        )
    return f"cannot be parsed as CSV ({text.split(':')[0]})"


def _long_row(raw: bytes, delimiter: str) -> int:
    """The line on which the first row longer than the largest block starts (with a quote
    left unclosed, the row runs on to the end of the file)."""
    reader = csv_rows(raw.decode("utf-8-sig", errors="replace"), delimiter)
    start = 1
    for row in reader:
        if sum(map(len, row)) + len(row) > _MAX_BLOCK:
            return start
        start = reader.line_num + 1
    return start  # pragma: no cover - pyarrow found one


def _ragged_row(raw: bytes, delimiter: str) -> tuple[int, int, int]:
    """The expected and found field counts and the line number of the first ragged row."""
    reader = csv_rows(raw.decode("utf-8-sig", errors="replace"), delimiter)
    expected = len(next(reader))
    for row in reader:
        if row and len(row) != expected:
            return expected, len(row), reader.line_num
    return expected, expected, reader.line_num  # pragma: no cover - pyarrow found one


def _encoding_problem(raw: bytes) -> str:
    for number, line in enumerate(raw.splitlines(), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as error:
            return (
                f"line {number} has the byte 0x{line[error.start]:02x}, which is not UTF-8 "
                "(is the file Latin-1 or Windows-1252?); save it as UTF-8"
            )
    return "the file is not UTF-8 text; save it as UTF-8"  # pragma: no cover


def _transposed(name: str, file: InputFile, delimiter: str) -> bytes:
    """A wide file (one row per column) rewritten as ordinary CSV bytes (same delimiter)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerows(zip(*wide_rows(name, file, delimiter), strict=True))
    return out.getvalue().encode("utf-8")


def _read_parquet(name: str, file: InputFile, plan: ColumnPlan) -> pa.Table:
    with open_input(name, file) as stream:
        try:
            return pq.read_table(stream, columns=list(plan.read))
        except (pa.ArrowException, OSError) as error:
            msg = f"not a readable Parquet file ({error})"
            raise DataError(msg, table=name, path=file.display) from None


def _column_problem(
    name: str,
    table: TableSpec,
    file: InputFile,
    column: str,
    values: pa.ChunkedArray,
    line_offset: int | None,
) -> str | None:
    """Refuse undecodable bytes at once; describe text in a column that otherwise holds
    numbers, and numbers written with thousands separators."""
    if pa.types.is_binary(values.type) or pa.types.is_large_binary(values.type):
        msg = _encoding_problem(read_input(name, file))
        raise DataError(msg, table=name, column=column, path=file.display)
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return None
    counts = pc.value_counts(values).flatten()
    distinct, frequency = counts[0], counts[1]
    present = pc.is_valid(distinct)
    number, grouping = _NUMBER[table.decimal], _GROUPED[table.decimal]
    numeric = pc.and_(present, pc.match_substring_regex(distinct, number))
    grouped = pc.and_(present, pc.match_substring_regex(distinct, grouping))
    total = pc.sum(pc.filter(frequency, present)).as_py() or 0
    numbers = pc.sum(pc.filter(frequency, numeric)).as_py() or 0
    separated = pc.sum(pc.filter(frequency, grouped)).as_py() or 0
    if separated and numbers + separated >= _NUMERIC_SHARE * total:
        example, where = _first_of(values, pc.filter(distinct, grouped), line_offset)
        separator = "." if table.decimal == "," else ","
        return (
            f"the numbers are written with thousands separators ('{example}'{where}; "
            f"{separated:,} of {total:,} values); save the file with plain numbers "
            f"({example.strip().replace(separator, '')}), without separators"
        )
    if numbers < _NUMERIC_SHARE * total and table.decimal == ".":
        return _decimal_comma(values, distinct, frequency, present, total, line_offset)
    if numbers == total or numbers < _NUMERIC_SHARE * total:
        return None
    bad = pc.filter(distinct, pc.and_(present, pc.invert(numeric)))
    example, where = _first_of(values, bad, line_offset)
    return (
        f"expected numbers but found the text '{example}'{where} "
        f"({total - numbers:,} of {total:,} values are not numbers)"
    )


def _decimal_comma(
    values: pa.ChunkedArray,
    distinct: pa.Array,
    frequency: pa.Array,
    present: pa.Array,
    total: int,
    line_offset: int | None,
) -> str | None:
    """Numbers written with a decimal comma ('1,5') in a table read with a decimal point: the
    declaration that reads them, or None when the column is text."""
    comma = pc.and_(present, pc.match_substring_regex(distinct, _NUMBER[","]))
    comma = pc.and_(comma, pc.match_substring(distinct, ","))
    if (pc.sum(pc.filter(frequency, comma)).as_py() or 0) < _NUMERIC_SHARE * total:
        return None
    example, where = _first_of(values, pc.filter(distinct, comma), line_offset)
    return (
        f"the numbers are written with a decimal comma ('{example}'{where}); declare "
        'decimal: "," for this table'
    )


def _first_of(values: pa.ChunkedArray, among: pa.Array, line_offset: int | None) -> tuple[str, str]:
    """The first value in ``among`` and ' on line N' (when lines are known)."""
    first = pc.index(pc.is_in(values, value_set=among), True).as_py()
    where = f" on line {first + line_offset}" if line_offset is not None else ""
    return str(values[first].as_py()), where


def _exact_integers(
    name: str,
    table: TableSpec,
    file: InputFile,
    plan: ColumnPlan,
    arrow: pa.Table,
    raw: bytes | None,
    line_offset: int | None,
    problems: list[ColumnProblem],
) -> pa.Table:
    """Keep whole numbers exact. pyarrow reads a column of whole numbers as float64 when one
    does not fit in int64 (9223372036854775808 and …809 would then both be 2^63): such a
    column is read again as text and becomes int64, or a problem naming the first value
    that does not fit. Only a float column holding a value beyond 2^53 is read again."""
    suspects = []
    for column in arrow.column_names:
        values = arrow.column(column)
        if pa.types.is_floating(values.type) and column in plan.names:
            low, high = (v.as_py() for v in pc.min_max(values).values())
            if (high is not None and high >= _EXACT) or (low is not None and low <= -_EXACT):
                suspects.append(column)
    if not suspects:
        return arrow
    text = _read_csv(name, table, file, plan, raw, as_text=suspects, only=True)
    for column in suspects:
        values = pc.utf8_trim_whitespace(text.column(column))
        present = pc.drop_null(values)
        if not pc.all(pc.match_substring_regex(present, _WHOLE)).as_py():
            continue  # decimals or exponents: a float column, as read
        long = pc.indices_nonzero(pc.greater_equal(pc.utf8_length(values), 19)).to_pylist()
        outside = next(
            (i for i in long if not _INT64[0] <= int(values[i].as_py()) <= _INT64[1]), None
        )
        if outside is None:
            exact = pc.cast(values, pa.int64())
            arrow = arrow.set_column(arrow.column_names.index(column), column, exact)
            continue
        where = f" on line {outside + line_offset}" if line_offset is not None else ""
        message = (
            f"the whole number {values[outside].as_py()}{where} does not fit in a 64-bit "
            "integer (-9,223,372,036,854,775,808 to 9,223,372,036,854,775,807); ids and "
            "counts are kept exact, never rounded, so renumber these ids, or give them a "
            "letter prefix to read them as text"
        )
        problems.append(ColumnProblem(plan.names[column], file.display, message))
    return arrow


def _type_conflict(parts: list[pa.Table], files: list[InputFile]) -> tuple[str, str]:
    first = parts[0].schema
    for part, file in zip(parts[1:], files[1:], strict=True):
        for field in part.schema:
            other = first.field(field.name).type
            if field.type != other and not pa.types.is_null(field.type):
                kinds = f"{other} in {files[0].display}, {field.type} in {file.display}"
                return field.name, kinds
    return "?", "unknown"  # pragma: no cover
