"""A table's files + its column plan → one Arrow table of the planned columns, checked."""

from __future__ import annotations

import csv
import io

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from reportgen.data.columns import ColumnPlan
from reportgen.data.files import InputFile
from reportgen.data.read import is_wide, open_input, wide_rows
from reportgen.errors import DataError
from reportgen.spec.models import TableSpec

PRIVATE_PREFIX = "__private_"
_NUMBER = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"
_NUMERIC_SHARE = 0.8  # a text column whose values are at least this share numbers is numeric


def scan(name: str, table: TableSpec, files: list[InputFile], plan: ColumnPlan) -> pa.Table:
    """Read the planned columns of every file, check them, and stack them (spec names)."""
    parts = [_scan_file(name, table, file, plan) for file in files]
    if len(parts) == 1:
        return parts[0]
    try:
        return pa.concat_tables(parts, promote_options="permissive")
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        column, kinds = _type_conflict(parts, files)
        msg = f"holds different kinds of values in different files ({kinds})"
        raise DataError(msg, table=name, column=column) from None


def _scan_file(name: str, table: TableSpec, file: InputFile, plan: ColumnPlan) -> pa.Table:
    if file.format == "parquet":
        arrow = _read_parquet(name, file, plan)
        line_offset = None
    elif is_wide(name, table, file):
        arrow = _read_csv(name, file, plan, _transposed(name, file))
        line_offset = None
    else:
        open_input(name, file).close()  # permissions and the like, as a DataError
        arrow = _read_csv(name, file, plan, None)
        line_offset = 2
    arrow = arrow.select(list(plan.read))
    private = {c: f"{PRIVATE_PREFIX}{i}" for i, c in enumerate(plan.private)}
    arrow = arrow.rename_columns([plan.names.get(c) or private[c] for c in arrow.column_names])
    for column in plan.names.values():
        _check_column(name, file, column, arrow.column(column), line_offset)
    return arrow


def _read_csv(name: str, file: InputFile, plan: ColumnPlan, raw: bytes | None) -> pa.Table:
    """Parse CSV from ``raw`` bytes, or from the file itself when ``raw`` is None."""
    convert = pa_csv.ConvertOptions(
        include_columns=list(plan.read),
        column_types=dict.fromkeys(plan.private, pa.string()),
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    for newlines_in_values in (False, True):
        parse = pa_csv.ParseOptions(newlines_in_values=newlines_in_values)
        try:
            source = str(file.path) if raw is None else io.BytesIO(raw)
            return pa_csv.read_csv(source, parse_options=parse, convert_options=convert)
        except pa.ArrowInvalid as error:
            text = str(error)
            if "Expected" in text and "columns, got" in text and not newlines_in_values:
                continue  # a quoted value may span lines: parse again, allowing that
            if raw is None:
                raw = file.path.read_bytes()
            raise DataError(_csv_problem(text, raw), table=name, path=file.display) from None
    raise AssertionError  # pragma: no cover - the loop returns or raises


def _csv_problem(text: str, raw: bytes) -> str:
    """A user's description of a pyarrow CSV error, never quoting the row (it may be private)."""
    if "invalid UTF8" in text:
        return _encoding_problem(raw)
    if "Expected" in text and "columns, got" in text:
        expected, found, line = _ragged_row(raw)
        return (
            f"line {line} has {found} fields where the header has {expected} "
            "(quote values that contain commas)"
        )
    if "Empty CSV" in text:
        return "the file is empty (0 bytes); expected a header line with the column names"
    return f"cannot be parsed as CSV ({text.split(':')[0]})"


def _ragged_row(raw: bytes) -> tuple[int, int, int]:
    """The expected and found field counts and the line number of the first ragged row."""
    lines = io.StringIO(raw.decode("utf-8-sig", errors="replace"), newline="")
    reader = csv.reader(lines)
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


def _transposed(name: str, file: InputFile) -> bytes:
    """A wide file (one row per column) rewritten as ordinary CSV bytes."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(zip(*wide_rows(name, file), strict=True))
    return out.getvalue().encode("utf-8")


def _read_parquet(name: str, file: InputFile, plan: ColumnPlan) -> pa.Table:
    with open_input(name, file) as stream:
        try:
            return pq.read_table(stream, columns=list(plan.read))
        except (pa.ArrowException, OSError) as error:
            msg = f"not a readable Parquet file ({error})"
            raise DataError(msg, table=name, path=file.display) from None


def _check_column(
    name: str, file: InputFile, column: str, values: pa.ChunkedArray, line_offset: int | None
) -> None:
    """Refuse undecodable bytes and text in a column that otherwise holds numbers."""
    if pa.types.is_binary(values.type) or pa.types.is_large_binary(values.type):
        with open_input(name, file) as stream:
            msg = _encoding_problem(stream.read())
        raise DataError(msg, table=name, column=column, path=file.display)
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return
    counts = pc.value_counts(values).flatten()
    distinct, frequency = counts[0], counts[1]
    present = pc.is_valid(distinct)
    numeric = pc.and_(present, pc.match_substring_regex(distinct, _NUMBER))
    total = pc.sum(pc.filter(frequency, present)).as_py() or 0
    numbers = pc.sum(pc.filter(frequency, numeric)).as_py() or 0
    if numbers == total or numbers < _NUMERIC_SHARE * total:
        return
    bad = pc.filter(distinct, pc.and_(present, pc.invert(numeric)))
    first = pc.index(pc.is_in(values, value_set=bad), True).as_py()
    example = values[first].as_py()
    where = f" on line {first + line_offset}" if line_offset is not None else ""
    msg = (
        f"expected numbers but found the text '{example}'{where} "
        f"({total - numbers:,} of {total:,} values are not numbers)"
    )
    raise DataError(msg, table=name, column=column, path=file.display)


def _type_conflict(parts: list[pa.Table], files: list[InputFile]) -> tuple[str, str]:
    first = parts[0].schema
    for part, file in zip(parts[1:], files[1:], strict=True):
        for field in part.schema:
            other = first.field(field.name).type
            if field.type != other and not pa.types.is_null(field.type):
                kinds = f"{other} in {files[0].display}, {field.type} in {file.display}"
                return field.name, kinds
    return "?", "unknown"  # pragma: no cover
