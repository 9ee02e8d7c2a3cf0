"""A file header + a table spec (+ the columns a run needs) → which columns to read, and as what."""

from __future__ import annotations

import functools
import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from reportgen.errors import DataError, did_you_mean
from reportgen.spec.models import TableSpec


@dataclass(frozen=True)
class ColumnPlan:
    """What to read from a table's files and what the loaded frame keeps."""

    read: tuple[str, ...]  # file column names to read, in file order
    names: dict[str, str]  # file name → spec name, for every non-private column read
    private: tuple[str, ...]  # private file columns read only for the duplicate-row check
    output: tuple[str, ...]  # spec names of the loaded frame's columns, in file order


log = logging.getLogger(__name__)


def _spec_name(table: TableSpec, column: str) -> str:
    """A file column's name in the spec: renamed (by its name as written or trimmed), else
    the name without the spaces around it (``'income '`` is ``income``)."""
    trimmed = column.strip()
    return table.rename.get(column, table.rename.get(trimmed, trimmed))


@functools.cache
def _note_trimmed(name: str, padded: tuple[str, ...]) -> None:
    """Say once per run that header names lost the spaces around them."""
    shown = ", ".join(repr(c) for c in padded[:5]) + (", …" if len(padded) > 5 else "")
    log.warning(
        "table '%s': the header has names with spaces around them (%s); "
        "they are read without the spaces",
        name,
        shown,
    )


def private_columns(name: str, table: TableSpec, header: Iterable[str]) -> list[str]:
    """File names of the private columns; an entry may be a file name (as written or trimmed)
    or its renamed name."""
    header = list(header)
    renamed = {_spec_name(table, column): column for column in header}
    trimmed = {column.strip(): column for column in header}
    found = []
    for entry in table.private:
        if entry in header:
            found.append(entry)
        elif entry in trimmed:
            found.append(trimmed[entry])
        elif entry in renamed:
            found.append(renamed[entry])
        else:
            msg = f"private: no such column in the file{did_you_mean(entry, header)}"
            raise DataError(msg, table=name, column=entry)
    return [column for column in header if column in found]


def spec_names(name: str, table: TableSpec, header: Iterable[str]) -> dict[str, str]:
    """File name → spec name for every non-private column, in file order."""
    header = list(header)
    trimmed = {column.strip() for column in header}
    for source in table.rename:
        if source not in header and source not in trimmed:
            msg = f"rename: no such column in the file{did_you_mean(source, header)}"
            raise DataError(msg, table=name, column=source)
    padded = tuple(c for c in header if c != c.strip() and c.strip())
    if padded:
        _note_trimmed(name, padded)
    hidden = set(private_columns(name, table, header))
    names = {c: _spec_name(table, c) for c in header if c not in hidden}
    seen: dict[str, str] = {}
    for source, target in names.items():
        if target in seen:
            msg = f"two columns would be called '{target}' ('{seen[target]}' and '{source}')"
            raise DataError(msg, table=name, column=target)
        seen[target] = source
    return names


def plan_columns(
    name: str, table: TableSpec, header: Iterable[str], requested: Collection[str] | None
) -> ColumnPlan:
    """Check every column the spec names against the header and plan the read."""
    header = list(header)
    names = spec_names(name, table, header)
    by_spec = {spec: source for source, spec in names.items()}
    hidden = private_columns(name, table, header)
    hidden_names = {_spec_name(table, c) for c in hidden} | set(hidden)

    def check(column: str, role: str) -> str:
        if column in by_spec:
            return column
        if column in hidden_names:
            msg = f"{role}the column is private (dropped at load) and cannot be used"
        else:
            msg = f"{role}no such column in the file{did_you_mean(column, by_spec)}"
        raise DataError(msg, table=name, column=column)

    wanted = set(by_spec) if requested is None else {check(c, "") for c in requested}
    if table.key is not None:
        wanted.add(check(table.key, "key: "))
    needed = set(wanted)
    needed.update(check(c, "clean.drop_missing: ") for c in table.clean.drop_missing)
    needed.update(check(c, "clean.valid: ") for c in table.clean.valid)
    duplicates = table.clean.drop_duplicates
    if duplicates:
        needed = set(by_spec)
    read = tuple(
        c for c in header if (c in names and names[c] in needed) or (duplicates and c in hidden)
    )
    return ColumnPlan(
        read=read,
        names={c: names[c] for c in read if c in names},
        private=tuple(c for c in read if c not in names),
        output=tuple(spec for spec in names.values() if spec in wanted),
    )
