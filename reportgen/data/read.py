"""Input files → their column names, read from the header line (or first column, or schema) only."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from reportgen.data.columns import spec_names
from reportgen.data.files import InputFile, resolve_files
from reportgen.errors import DataError
from reportgen.spec.models import TableSpec

_HEADER_LIMIT = 1 << 20
DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}
_GZIP = b"\x1f\x8b"
# Other compressed formats by their first bytes: named in the advice, not read.
_PACKED = {
    b"PK\x03\x04": "zip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}


def read_header(name: str, table: TableSpec, base_dir: Path) -> list[str]:
    """The table's columns as the spec sees them: renamed, private columns left out."""
    files = resolve_files(name, table, base_dir)
    header = common_header(name, table, files)
    return list(spec_names(name, table, header).values())


def common_header(name: str, table: TableSpec, files: list[InputFile]) -> list[str]:
    """The file column names shared by every file of the table (the first file's order)."""
    first = file_header(name, table, files[0])
    for other in files[1:]:
        header = file_header(name, table, other)
        if set(header) != set(first):
            extra = sorted(set(header) - set(first))
            lacking = sorted(set(first) - set(header))
            parts = [f"extra {extra}" if extra else "", f"lacks {lacking}" if lacking else ""]
            detail = ", ".join(p for p in parts if p)
            msg = f"its columns differ from those of {files[0].display} ({detail})"
            raise DataError(msg, table=name, path=other.display)
    return first


def file_header(name: str, table: TableSpec, file: InputFile) -> list[str]:
    """The column names of one file, exactly as written in it."""
    if file.format == "parquet":
        names = _parquet_header(name, file)
    elif file.format == "json":
        names = list(json_records(name, file).column_names)
    elif is_wide(name, table, file):
        names = [row[0] for row in wide_rows(name, file, table.delimiter)]
    else:
        names = _csv_header(name, file, table.delimiter)
    _check_unique(name, file, names)
    return names


def is_wide(name: str, table: TableSpec, file: InputFile) -> bool:
    """Whether a CSV file is transposed: as declared, or for 'auto' when its first line reads
    like 'department_id,1,2,3' (a name followed by numbers only)."""
    if table.layout != "auto":
        return table.layout == "wide"
    first = first_line(name, file).decode("utf-8", errors="replace").strip()
    fields: list[str] = next(csv_rows(first, table.delimiter), [])
    numbers = [f.strip().lstrip("-").replace(".", "", 1) for f in fields[1:]]
    return len(numbers) >= 2 and all(n.isdigit() for n in numbers)


def open_input(name: str, file: InputFile) -> BinaryIO:
    """Open a file for reading, turning OS errors into a DataError; a gzip-compressed file
    (known by its first bytes, whatever its extension) reads as its uncompressed content."""
    try:
        stream = _open_binary(file.path)
        if stream.read(2) != _GZIP:
            stream.seek(0)
            return stream
        stream.close()
        return gzip.open(file.path, "rb")  # type: ignore[return-value]
    except OSError as error:
        reason = (error.strerror or str(error)).lower()
        msg = f"cannot be read ({reason})"
        raise DataError(msg, table=name, path=file.display) from None


def _open_binary(path: Path) -> BinaryIO:
    return path.open("rb")


def is_gzip(path: Path) -> bool:
    """Whether the file starts with gzip's magic bytes (False when it cannot be read)."""
    try:
        with path.open("rb") as stream:
            return stream.read(2) == _GZIP
    except OSError:
        return False


def read_input(name: str, file: InputFile) -> bytes:
    """A file's whole content, uncompressed; an unreadable or broken file is a DataError."""
    with open_input(name, file) as stream:
        try:
            return stream.read()
        except (OSError, EOFError, zlib.error) as error:
            raise _broken(name, file, error) from None


def first_line(name: str, file: InputFile) -> bytes:
    """The file's first line without its line end (LF, CRLF or a lone CR, as old Mac files
    end lines); a line longer than 1 MiB is a DataError (it is not a header)."""
    head = b""
    with open_input(name, file) as stream:
        while len(head) <= _HEADER_LIMIT:
            try:
                block = stream.read(1 << 16)
            except (OSError, EOFError, zlib.error) as error:
                raise _broken(name, file, error) from None
            if not block:
                return head
            head += block
            ends = [i for i in (head.find(b"\n"), head.find(b"\r")) if i >= 0]
            if ends and min(ends) <= _HEADER_LIMIT:
                return head[: min(ends)]
    msg = (
        f"line 1 (the header) is longer than {_HEADER_LIMIT:,} bytes (1 MiB); expected one "
        "line of column names (is this a CSV file?)"
    )
    raise DataError(msg, table=name, path=file.display)


def _broken(name: str, file: InputFile, error: BaseException) -> DataError:
    msg = f"the file is gzip-compressed but cannot be uncompressed ({error}); compress it again"
    return DataError(msg, table=name, path=file.display)


def wide_rows(name: str, file: InputFile, delimiter: str = ",") -> list[list[str]]:
    """The rows of a transposed (wide) file: each starts with a column name."""
    raw = read_input(name, file)
    text = _decode(name, file, raw, what="file")
    rows = [row for row in csv_rows(text, delimiter) if any(row)]
    if not rows:
        raise DataError(_empty_message(raw), table=name, path=file.display)
    lengths = {len(row) for row in rows}
    if len(lengths) > 1:
        msg = (
            f"the rows of this transposed file have different lengths ({sorted(lengths)}); "
            "every column name needs one value per record"
        )
        raise DataError(msg, table=name, path=file.display)
    return rows


def csv_rows(text: str, delimiter: str = ",") -> Any:
    """A CSV reader over a file's text (any line ends), its values of any length."""
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _open_quote_column(text: str, delimiter: str) -> int:
    """The 1-based column whose quotes the line leaves open."""
    inside, column = False, 1
    for char in text:
        if char == '"':
            inside = not inside
        elif char == delimiter and not inside:
            column += 1
    return column


def _csv_header(name: str, file: InputFile, delimiter: str) -> list[str]:
    raw = first_line(name, file)
    text = _decode(name, file, raw, what="header line")
    if not text.strip():
        with open_input(name, file) as stream:
            empty = not stream.read(1)
        raise DataError(_empty_message(b"" if empty else b"\n"), table=name, path=file.display)
    if text.count('"') % 2:  # a quoted name holds a line break: the quotes close on a later line
        column = _open_quote_column(text, delimiter)
        partial = read_input(name, file)[:_HEADER_LIMIT].decode("utf-8", "replace")
        shown = (
            next(csv_rows(partial, delimiter))[column - 1].replace("\r", "").replace("\n", "⏎")[:40]
        )
        msg = (
            f"the header name '{shown}' (column {column}) holds a line break inside its "
            "quotes; put each column name on the header line, without line breaks"
        )
        raise DataError(msg, table=name, path=file.display)
    names = next(csv_rows(text, delimiter))
    if len(names) == 1:
        for other, label in DELIMITER_NAMES.items():
            if other != delimiter and other in names[0]:
                declared = DELIMITER_NAMES[delimiter]
                shown = json.dumps(other)  # '\t' written as YAML reads it
                msg = (
                    f"the header has a single column and its fields are separated by {label}, "
                    f"not {declared}; declare delimiter: {shown} for this table"
                )
                raise DataError(msg, table=name, path=file.display)
    return names


def json_records(name: str, file: InputFile) -> pa.Table:
    """A JSON file holding an array of records ``[{column: value, …}, …]`` as an Arrow table
    (columns in first-seen order; a record without a column has it missing)."""
    try:
        records = json.loads(_decode(name, file, read_input(name, file), what="file"))
    except json.JSONDecodeError as error:
        msg = f"not readable JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        raise DataError(msg, table=name, path=file.display) from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        msg = 'a JSON table must be an array of records: [{"column": value, …}, …]'
        raise DataError(msg, table=name, path=file.display)
    names = list(dict.fromkeys(k for record in records for k in record))
    try:
        return pa.table({n: [record.get(n) for record in records] for n in names})
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        msg = f"a column holds values of different kinds ({error})"
        raise DataError(msg, table=name, path=file.display) from None


def _parquet_header(name: str, file: InputFile) -> list[str]:
    with open_input(name, file) as stream:
        try:
            schema = pq.read_schema(stream)
        except (pa.ArrowException, OSError) as error:
            msg = f"not a readable Parquet file ({error})"
            raise DataError(msg, table=name, path=file.display) from None
    return [n for n in schema.names if not n.startswith("__index_level_")]


def _decode(name: str, file: InputFile, raw: bytes, *, what: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        for magic, kind in _PACKED.items():
            if raw.startswith(magic):
                msg = (
                    f"the file is {kind}-compressed; uncompress it, or compress it with gzip "
                    "(reportgen reads gzip-compressed CSV)"
                )
                raise DataError(msg, table=name, path=file.display) from None
        msg = (
            f"the {what} is not UTF-8 text (byte 0x{raw[error.start]:02x} at offset "
            f"{error.start}); save the file as UTF-8"
        )
        raise DataError(msg, table=name, path=file.display) from None


def _empty_message(raw: bytes) -> str:
    if not raw:
        return "the file is empty (0 bytes); expected a header line with the column names"
    return "the first line is blank; expected a header line with the column names"


def _check_unique(name: str, file: InputFile, names: list[str]) -> None:
    seen: set[str] = set()
    for column in names:
        if column in seen:
            msg = f"the column name '{column}' appears twice in the header"
            raise DataError(msg, table=name, path=file.display)
        seen.add(column)
