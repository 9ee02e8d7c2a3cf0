"""Unknown-column issues in, the same issues out, with the fix when an undeclared data file
beside the declared ones has that column ("declare data/aisles.csv")."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

from reportgen.data.files import InputFile, resolve_files
from reportgen.data.read import file_header
from reportgen.errors import DataError, SpecIssue
from reportgen.spec.friendly import HINT_UNDECLARED_FILE, HINT_UNDECLARED_RELATION
from reportgen.spec.models import Spec, TableSpec

_UNKNOWN = re.compile(r"^unknown column or field '([^']+)'")
_SUFFIXES = (".csv", ".csv.gz", ".txt", ".parquet", ".pq")


def undeclared_hints(
    spec: Spec, base_dir: Path, columns: dict[str, list[str]], issues: list[SpecIssue]
) -> list[SpecIssue]:
    """``issues``, where an unknown column is found in an undeclared file next to the declared
    ones, told to declare that file (its did-you-mean replaced)."""
    wanted = {m.group(1) for issue in issues if (m := _UNKNOWN.match(issue.message))}
    if not wanted:
        return issues
    found = _undeclared_columns(spec, base_dir)
    result = []
    for issue in issues:
        match = _UNKNOWN.match(issue.message)
        place = found.get(match.group(1)) if match else None
        if match is None or place is None:
            result.append(issue)
            continue
        table, path, header = place
        key = header[0] if header[0].endswith("_id") else None
        parents = [name for name, names in columns.items() if key and key in names]
        relation = f"{parents[0]}.{key} -> {table}" if parents else ""
        hint = HINT_UNDECLARED_FILE.format(
            name=match.group(1),
            file=path,
            table=table,
            key=f", key: {key}" if key else "",
            relation=HINT_UNDECLARED_RELATION.format(relation=relation) if relation else "",
        )
        message = issue.message.split("; did you mean")[0] + hint
        result.append(dataclasses.replace(issue, message=message))
    return result


def _undeclared_columns(spec: Spec, base_dir: Path) -> dict[str, tuple[str, str, list[str]]]:
    """Column → (a table name, the file as the spec would write it, its header) for the data
    files in the declared files' folders that no table reads."""
    files: list[Path] = []
    for name, table in spec.data.items():
        try:
            files += [f.path for f in resolve_files(name, table, base_dir)]
        except DataError:
            continue
    declared = {path.resolve() for path in files}
    found: dict[str, tuple[str, str, list[str]]] = {}
    for folder in sorted({path.parent for path in files}):
        for path in sorted(folder.iterdir()):
            if path.resolve() in declared or not path.name.lower().endswith(_SUFFIXES):
                continue
            stem = re.sub(r"\.(csv|txt|parquet|pq)(\.gz)?$", "", path.name, flags=re.I)
            guess = re.sub(r"[^0-9a-z_]+", "_", stem.lower()).strip("_") or "table"
            shown = Path(os.path.relpath(path, base_dir)).as_posix()
            kind = "parquet" if path.suffix.lower() in (".parquet", ".pq") else "csv"
            file = InputFile(path, shown, kind)  # type: ignore[arg-type]
            try:
                header = file_header(guess, TableSpec(path=shown, layout="auto"), file)
            except DataError:
                continue
            for column in header:
                found.setdefault(column, (guess, shown, header))
    return found
