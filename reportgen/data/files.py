"""A table spec's path(s) → the existing files to read, in order, or a DataError."""

from __future__ import annotations

import glob
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from reportgen.errors import DataError, did_you_mean
from reportgen.spec.models import TableSpec

FileFormat = Literal["csv", "parquet", "json"]

_EXTENSIONS: dict[str, FileFormat] = {
    ".csv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
}
_GLOB_CHARS = frozenset("*?[")
PACKAGE_PREFIX = "package:"


@dataclass(frozen=True)
class InputFile:
    """One file of a table: where it is, how to show it to the user, and its format."""

    path: Path
    display: str
    format: FileFormat


def table_paths(table: TableSpec) -> list[str]:
    """The table's path entries as written in the spec."""
    return [table.path] if isinstance(table.path, str) else list(table.path)


def resolve_files(name: str, table: TableSpec, base_dir: Path) -> list[InputFile]:
    """Expand the table's paths (globs sorted) against ``base_dir``; every entry must match."""
    files: list[InputFile] = []
    for entry in table_paths(table):
        if entry.startswith(PACKAGE_PREFIX):
            path = package_file(name, entry)
            files.append(InputFile(path, entry, _format_of(name, table, path)))
            continue
        for path in _expand(name, entry, base_dir):
            files.append(InputFile(path, _display(path, base_dir), _format_of(name, table, path)))
    return files


def package_file(name: str, entry: str) -> Path:
    """'package:vega_datasets/_data/cars.json': a data file shipped inside an installed Python
    package (read only; the package is found, not imported), shown as written."""
    package, _, inside = entry[len(PACKAGE_PREFIX) :].partition("/")
    parts = Path(inside).parts
    if not package.isidentifier() or not inside or ".." in parts or Path(inside).is_absolute():
        msg = "a package path is 'package:NAME/path/inside/it', e.g. package:vega_datasets/_data/cars.json"
        raise DataError(msg, table=name, path=entry)
    try:
        found = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        found = None
    folders = list(found.submodule_search_locations or []) if found is not None else []
    if not folders:
        msg = f"no installed Python package '{package}' (install it with pip)"
        raise DataError(msg, table=name, path=entry)
    path = Path(folders[0]) / inside
    if not path.is_file():
        msg = f"no such file in the package '{package}'"
        raise DataError(msg, table=name, path=entry)
    return path


def _expand(name: str, entry: str, base_dir: Path) -> list[Path]:
    target = Path(entry).expanduser()
    full = target if target.is_absolute() else base_dir / target
    if _GLOB_CHARS & set(entry):
        matches = sorted(Path(p) for p in glob.glob(str(full)) if Path(p).is_file())
        if not matches:
            msg = f"no file matches {entry}"
            raise DataError(msg, table=name, path=entry)
        return matches
    if full.is_file():
        return [full]
    if full.is_dir():
        msg = "is a folder, not a file (use a glob such as 'folder/*.csv' to read every file)"
        raise DataError(msg, table=name, path=entry)
    if not full.parent.is_dir():
        msg = f"no such file (the folder {_display(full.parent, base_dir)} does not exist)"
        raise DataError(msg, table=name, path=entry)
    siblings = sorted(p.name for p in full.parent.iterdir() if p.is_file())
    msg = f"no such file{did_you_mean(full.name, siblings)}"
    raise DataError(msg, table=name, path=entry)


def _format_of(name: str, table: TableSpec, path: Path) -> FileFormat:
    if table.format is not None:
        return table.format
    suffix = path.suffix.lower()
    if suffix == ".gz":  # 'orders.csv.gz': gzip-compressed CSV, uncompressed as it is read
        suffix = Path(path.stem).suffix.lower()
    fmt = _EXTENSIONS.get(suffix)
    if fmt in ("parquet", "json") and path.suffix.lower() == ".gz":
        fmt = None
    if fmt is None:
        msg = f"cannot tell the format from the extension '{path.suffix}'; set format: csv, parquet or json"
        raise DataError(msg, table=name, path=_display(path, path.parent))
    return fmt


def _display(path: Path, base_dir: Path) -> str:
    """The path relative to the spec's folder when it lies inside it, else as resolved."""
    try:
        return path.resolve().relative_to(base_dir.resolve()).as_posix()
    except ValueError:
        return str(path)
