"""A folder of CSV/Parquet files in, guesses about them out: tables, keys, relations, column kinds.

Only headers and a sample of rows are read, plus the whole key column of a table whose key is
guessed (to be sure it is unique) — never a whole file.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from reportgen.data.files import InputFile, resolve_files
from reportgen.data.read import file_header, first_line, is_wide, open_input, wide_rows
from reportgen.errors import DataError, UsageError
from reportgen.spec.models import TableSpec

SAMPLE_ROWS = 20_000
DATA_SUFFIXES = (".csv", ".csv.gz", ".txt", ".parquet", ".pq")
# A category has at most this many values; a small set of whole numbers (0–23 hours, 0–6 days,
# 0/1 flags) is also a way to group.
MAX_CATEGORIES = 60
MAX_CODES = 24
# Keys may repeat in this share of rows (exact duplicate rows, as in the course's products file).
MAX_DUPLICATE_KEYS = 0.01
# A relation holds when this share of the sampled child values is found among the parent's keys.
MIN_MATCH = 0.9

PERSONAL = re.compile(
    r"(first|last|given|family|middle|full|sur|maiden|nick|user|customer|contact|person)"
    r"[ _-]?nam|e-?mail|phone|mobile|street|address|passport|\bssn\b|social.?security",
    re.IGNORECASE,
)
PEOPLE_TABLE = re.compile(
    r"customer|client|user|person|people|employee|member|patient|student|staff|contact",
    re.IGNORECASE,
)
DATE_TEXT = re.compile(
    r"^(\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|[A-Z][a-z]{2,8}\.? \d{1,2},? \d{4}|\d{1,2} [A-Z][a-z]{2,8}\.? \d{4})"
    r"([ T]\d{1,2}:\d{2}(:\d{2})?.*)?$"
)

Kind = str  # "id", "category", "number", "code", "date", "text", "private"


@dataclass
class ColumnGuess:
    """One column: its name in the file and in the spec, what it holds, and what shows it."""

    file_name: str
    name: str
    kind: Kind
    distinct: int
    missing: int

    def describe(self) -> str:
        words = {
            "id": "identifier",
            "category": f"category, {self.distinct} value{'s' if self.distinct != 1 else ''}",
            "code": f"whole numbers, {self.distinct} values",
            "number": "number",
            "date": "date",
            "text": "free text",
            "private": "personal data: declared private",
        }[self.kind]
        return words + (f", {self.missing} empty in the sample" if self.missing else "")


@dataclass
class TableGuess:
    """One file as a table."""

    name: str
    path: Path
    wide: bool
    rows_sampled: int
    columns: list[ColumnGuess]
    key: str | None = None
    key_rows: int = 0
    duplicate_keys: int = 0
    sample: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    delimiter: str = ","  # a CSV file's, as written (';' in many European exports)
    decimal: str = "."

    def column(self, name: str) -> ColumnGuess | None:
        return next((c for c in self.columns if c.name == name), None)

    def of_kind(self, *kinds: Kind) -> list[ColumnGuess]:
        return [c for c in self.columns if c.kind in kinds]


@dataclass(frozen=True)
class RelationGuess:
    """``child.column -> parent``, with the share of sampled values found among the parent's keys."""

    child: str
    column: str
    parent: str
    matched: float

    def text(self) -> str:
        return f"{self.child}.{self.column} -> {self.parent}"


@dataclass
class FolderGuess:
    """Everything ``init`` found in a folder."""

    folder: Path
    tables: list[TableGuess]
    relations: list[RelationGuess]
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # files left out, and why

    def table(self, name: str) -> TableGuess:
        return next(t for t in self.tables if t.name == name)


def infer_folder(folder: Path) -> FolderGuess:
    """Read every data file of ``folder`` (headers, a sample, key columns) and guess the model."""
    folder = Path(folder)
    if not folder.is_dir():
        msg = f"init: {folder} is not a folder; give the folder that holds the CSV or Parquet files"
        raise UsageError(msg)
    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.name.lower().endswith(DATA_SUFFIXES)
    )
    if not files:
        msg = f"init: no CSV or Parquet file in {folder} (looked for {', '.join(DATA_SUFFIXES)})"
        raise UsageError(msg)
    names = table_names(files)
    tables, skipped = [], []
    for name, path in zip(names, files, strict=True):
        try:
            table = _read_table(name, path)
        except (DataError, ValueError, pa.ArrowException) as error:
            skipped.append((path, str(error).split("\n")[0]))
            continue
        if table.rows_sampled == 0:
            skipped.append((path, "it has no rows"))
        else:
            tables.append(table)
    if not tables:
        reasons = "; ".join(f"{path.name}: {reason}" for path, reason in skipped)
        msg = f"init: no readable data file with rows in {folder} ({reasons})"
        raise UsageError(msg)
    people = {t.name for t in tables if PEOPLE_TABLE.search(t.name)}
    for table in tables:
        _classify(table, people)
    referenced = {c.name for t in tables for c in t.columns}
    for table in tables:
        _choose_key(table, referenced)
    relations = _relations(tables)
    for relation in relations:
        column = _table(tables, relation.child).column(relation.column)
        if column is not None:
            column.kind = "id"
    return FolderGuess(folder, tables, relations, skipped)


# --------------------------------------------------------------------------------------------
# Names


def snake(name: str) -> str:
    """A header name as a spec name: lower case, words joined by underscores, not a keyword."""
    text = re.sub(r"[^0-9a-zA-Z_]+", "_", name.strip()).strip("_").lower() or "column"
    if text[0].isdigit():
        text = f"c_{text}"
    return f"{text}_" if keyword.iskeyword(text) or text in ("true", "false", "none") else text


def table_names(files: list[Path]) -> list[str]:
    """Table names from file names: ``order_products__prior.csv`` → ``order_products`` when no
    other file shares the stem before ``__``, else ``order_products_prior``."""
    stems = [snake(_stem(p)) for p in files]
    short = [s.split("__")[0] or s for s in stems]
    names = []
    for stem, candidate in zip(stems, short, strict=True):
        names.append(candidate if short.count(candidate) == 1 else re.sub("_+", "_", stem))
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return [n[:64] for n in unique]


def _stem(path: Path) -> str:
    name = path.name
    for suffix in sorted(DATA_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


# --------------------------------------------------------------------------------------------
# Reading


def _input(
    name: str, path: Path, delimiter: str = ",", decimal: str = "."
) -> tuple[TableSpec, InputFile]:
    table = TableSpec(path=path.name, layout="auto", delimiter=delimiter, decimal=decimal)  # type: ignore[arg-type]
    return table, resolve_files(name, table, path.parent)[0]


def _dialect(name: str, path: Path) -> tuple[str, str]:
    """A CSV file's delimiter (the first line has no comma but semicolons, tabs or bars) and
    decimal mark (',' when, with another delimiter, most values of a column read '1,5')."""
    _, file = _input(name, path)
    if file.format != "csv":
        return ",", "."
    header = first_line(name, file).decode("utf-8", errors="replace")
    counts = {mark: header.count(mark) for mark in (";", "\t", "|")}
    if "," in header or not max(counts.values()):
        return ",", "."
    delimiter = max(counts, key=lambda mark: counts[mark])
    with open_input(name, file) as stream:
        sample = pd.read_csv(stream, sep=delimiter, nrows=SAMPLE_ROWS, dtype=str)
    for column in sample.columns:
        present = sample[column].dropna().str.strip()
        if len(present) and present.str.fullmatch(r"[-+]?\d*,\d+").mean() >= 0.8:
            return delimiter, ","
    return delimiter, "."


def _read_table(name: str, path: Path) -> TableGuess:
    delimiter, decimal = _dialect(name, path)
    table, file = _input(name, path, delimiter, decimal)
    header = file_header(name, table, file)
    wide = file.format == "csv" and is_wide(name, table, file)
    if file.format == "parquet":
        with open_input(name, file) as stream:
            batches = pq.ParquetFile(stream).iter_batches(batch_size=SAMPLE_ROWS, columns=header)
            first = next(batches, None)
            sample = first.to_pandas() if first is not None else pd.DataFrame(columns=header)
    elif wide:
        rows = wide_rows(name, file, delimiter)
        sample = pd.DataFrame({row[0]: row[1:] for row in rows}).replace("", None)
        for column in sample.columns:
            texts = sample[column].str.replace(",", ".") if decimal == "," else sample[column]
            numbers = pd.to_numeric(texts, errors="coerce")
            if numbers.notna().sum() == sample[column].notna().sum():
                sample[column] = numbers
    else:
        with open_input(name, file) as stream:
            sample = pd.read_csv(
                stream, sep=delimiter, decimal=decimal, nrows=SAMPLE_ROWS, low_memory=False
            )
        sample.columns = header
    guess = TableGuess(name, path, wide, len(sample), [], sample=sample)
    guess.delimiter, guess.decimal = delimiter, decimal
    return guess


def _key_values(table: TableGuess, column: str) -> pd.Series:
    """Every value of one column of the table's file, as text."""
    spec, file = _input(table.name, table.path, table.delimiter, table.decimal)
    original = next(c.file_name for c in table.columns if c.name == column)
    if table.wide or len(table.sample) < SAMPLE_ROWS:
        return _as_text(table.sample[original])
    with open_input(table.name, file) as stream:
        if file.format == "parquet":
            values = pq.read_table(stream, columns=[original]).column(0)
        else:
            options = pa_csv.ConvertOptions(
                include_columns=[original], column_types={original: pa.string()}
            )
            parse = pa_csv.ParseOptions(delimiter=table.delimiter)
            values = pa_csv.read_csv(stream, parse_options=parse, convert_options=options).column(0)
    return _as_text(values.to_pandas())


def _as_text(values: pd.Series) -> pd.Series:
    """Values as comparable text: 7, 7.0 and '7' all read '7'."""
    values = values.dropna()
    numbers = pd.to_numeric(values, errors="coerce")
    if len(values) and numbers.notna().all() and (numbers == numbers.round()).all():
        return numbers.astype("int64").astype(str)
    return values.astype(str).str.strip()


# --------------------------------------------------------------------------------------------
# Kinds


def _classify(table: TableGuess, people: set[str]) -> None:
    used: set[str] = set()
    for original in table.sample.columns:
        values = table.sample[original]
        name = snake(str(original))
        while name in used:
            name += "_2"
        used.add(name)
        present = values.dropna()
        distinct = int(present.nunique())
        kind = _kind(str(original), name, present, distinct, table.name in people)
        table.columns.append(
            ColumnGuess(str(original), name, kind, distinct, int(values.isna().sum()))
        )


def _kind(original: str, name: str, present: pd.Series, distinct: int, people: bool) -> Kind:
    if PERSONAL.search(original) or (people and name == "name"):
        return "private"
    if _id_like(name):
        return "id"
    if pd.api.types.is_bool_dtype(present):
        return "category"
    if pd.api.types.is_numeric_dtype(present):
        whole = bool(len(present)) and bool((present == present.round()).all())
        return "code" if whole and 2 <= distinct <= MAX_CODES else "number"
    text = present.astype(str)
    if len(text) and text.str.match(DATE_TEXT).mean() >= 0.9:
        return "date"
    if distinct <= MAX_CATEGORIES and (distinct <= len(text) // 2 or len(text) <= 20):
        return "category"
    return "text"


def _id_like(name: str) -> bool:
    return (
        name == "id"
        or name.endswith(("_id", "_key", "_code"))
        or name.endswith("id")
        and (name[:-2].endswith("_") or len(name) <= 4)
    )


# --------------------------------------------------------------------------------------------
# Keys and relations


def _choose_key(table: TableGuess, referenced: set[str]) -> None:
    """The first id-like column unique in the sample (and, read whole, almost unique), else the
    first column when it is unique and another table has a column of the same name."""
    candidates = [c for c in table.columns if c.kind == "id"]
    first = table.columns[0] if table.columns else None
    if first is not None and first.kind not in ("id", "number", "private", "date"):
        others = referenced - {c.name for c in table.columns}
        if first.name in others or f"{first.name}" in others:
            candidates.append(first)
    for column in candidates:
        repeats = table.rows_sampled - column.distinct
        if (
            column.missing
            or repeats > MAX_DUPLICATE_KEYS * table.rows_sampled
            or not column.distinct
        ):
            continue
        values = _key_values(table, column.name)
        duplicates = int(values.duplicated().sum())
        if duplicates <= MAX_DUPLICATE_KEYS * len(values):
            table.key, table.key_rows, table.duplicate_keys = column.name, len(values), duplicates
            column.kind = "id"
            return


def _relations(tables: list[TableGuess]) -> list[RelationGuess]:
    keyed = {t.name: t for t in tables if t.key}
    keys = {name: set(_key_values(t, t.key or "")) for name, t in keyed.items()}
    found: list[RelationGuess] = []
    for child in tables:
        for column in child.columns:
            if column.name == child.key or column.kind in ("private", "date", "text"):
                continue
            for parent in keyed.values():
                if parent.name == child.name or not _names_match(column.name, parent):
                    continue
                if any(r.child == child.name and r.parent == parent.name for r in found):
                    continue
                values = set(_as_text(child.sample[column.file_name]))
                if not values:
                    continue
                matched = len(values & keys[parent.name]) / len(values)
                if matched >= MIN_MATCH and not _reaches(found, parent.name, child.name):
                    found.append(RelationGuess(child.name, column.name, parent.name, matched))
    return found


def _names_match(column: str, parent: TableGuess) -> bool:
    """``user_id`` matches a table keyed ``user_id``; ``customer_id`` a ``customers`` keyed ``id``."""
    if column == parent.key:
        return True
    singular = parent.name[:-1] if parent.name.endswith("s") else parent.name
    return parent.key == "id" and column in (f"{parent.name}_id", f"{singular}_id")


def _reaches(relations: list[RelationGuess], start: str, goal: str) -> bool:
    """Whether the relations lead from ``start`` to ``goal`` (a new link back would be a cycle)."""
    frontier, seen = [start], {start}
    while frontier:
        table = frontier.pop()
        if table == goal:
            return True
        for relation in relations:
            if relation.child == table and relation.parent not in seen:
                seen.add(relation.parent)
                frontier.append(relation.parent)
    return False


def _table(tables: list[TableGuess], name: str) -> TableGuess:
    return next(t for t in tables if t.name == name)
