"""The three kinds of failure: a located spec error, a user error, and everything else (a bug).

Spec and user errors print cleanly and exit with a documented status; bugs keep their traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path

EXIT_OK = 0
EXIT_BUG = 1
EXIT_SPEC = 2
EXIT_DATA = 3
EXIT_OUTPUT = 4
EXIT_INTERRUPTED = 130


class ReportgenError(Exception):
    """A problem the user can fix; printed without a traceback."""

    exit_code = EXIT_BUG

    def render(self) -> str:
        return str(self)


@dataclass(frozen=True)
class SpecIssue:
    """One problem in the spec, located by its path of keys (``loc``) in the YAML document."""

    loc: tuple[str | int, ...]
    message: str
    # Filled in once the YAML positions are known.
    line: int | None = None
    column: int | None = None

    def render(self, file: str) -> str:
        if self.line is None:
            return f"{file}: {self.message}"
        return f"{file}:{self.line}:{self.column}: {self.message}"


class SpecError(ReportgenError):
    """Every problem found in a spec, reported at once, each with its line and column."""

    exit_code = EXIT_SPEC

    def __init__(self, file: str | Path, issues: list[SpecIssue]) -> None:
        self.file = str(file)
        self.issues = sorted(issues, key=lambda i: (i.line or 0, i.column or 0, i.message))
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(issue.render(self.file) for issue in self.issues)


class DataError(ReportgenError):
    """A problem with an input file: names the table, the file and the column where it applies."""

    exit_code = EXIT_DATA

    def __init__(
        self,
        message: str,
        *,
        table: str | None = None,
        column: str | None = None,
        path: str | Path | None = None,
    ) -> None:
        self.table, self.column, self.path = table, column, path
        where = []
        if table:
            where.append(f"table '{table}'")
        if column:
            where.append(f"column '{column}'")
        if path:
            where.append(f"file {path}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class OutputError(ReportgenError):
    """The report could not be written (folder missing, not writable, disk full)."""

    exit_code = EXIT_OUTPUT


class UsageError(ReportgenError):
    """A wrong command-line call."""

    exit_code = EXIT_SPEC


def did_you_mean(name: str, candidates: object) -> str:
    """Return "; did you mean 'x'?" for the closest candidate, or an empty string."""
    pool = [str(c) for c in candidates]  # type: ignore[attr-defined]
    matches = get_close_matches(name, pool, n=1, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in pool}
        if name.lower() in lowered:
            matches = [lowered[name.lower()]]
    return f"; did you mean '{matches[0]}'?" if matches else ""
