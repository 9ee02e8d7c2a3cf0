"""Cleaning effects and missing values → records a data-quality section can tabulate."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Exclusion:
    """One counted effect of cleaning: rows dropped, or values blanked (``dropped=False``)."""

    reason: str
    rows: int
    column: str | None = None
    dropped: bool = True


@dataclass(frozen=True)
class ColumnProfile:
    """One column of a loaded frame after cleaning."""

    column: str
    dtype: str
    missing: int


@dataclass(frozen=True)
class TableQuality:
    """What loading a table read, what cleaning did, and what is still missing."""

    files: tuple[str, ...]
    rows_read: int
    rows_kept: int
    exclusions: tuple[Exclusion, ...]
    column_profile: tuple[ColumnProfile, ...]

    @property
    def missing(self) -> dict[str, int]:
        """Missing values per column after cleaning."""
        return {p.column: p.missing for p in self.column_profile}

    def exclusions_frame(self) -> pd.DataFrame:
        """One row per cleaning effect: reason, rows, column, dropped."""
        columns = ["reason", "rows", "column", "dropped"]
        return pd.DataFrame([asdict(e) for e in self.exclusions], columns=columns)

    def profile_frame(self) -> pd.DataFrame:
        """One row per column: column, dtype, missing."""
        columns = ["column", "dtype", "missing"]
        return pd.DataFrame([asdict(p) for p in self.column_profile], columns=columns)


def column_profile(frame: pd.DataFrame) -> tuple[ColumnProfile, ...]:
    """Dtype and missing-value count of every column."""
    counts = frame.isna().sum()
    return tuple(ColumnProfile(str(c), str(frame[c].dtype), int(counts[c])) for c in frame.columns)


def quality_to_json(
    files: tuple[str, ...], rows_read: int, exclusions: tuple[Exclusion, ...]
) -> Any:
    """The frame-independent part of a quality record, as plain JSON data (for the cache)."""
    return {
        "files": list(files),
        "rows_read": rows_read,
        "exclusions": [asdict(e) for e in exclusions],
    }


def quality_from_json(data: Any, frame: pd.DataFrame) -> TableQuality:
    """Rebuild a quality record from :func:`quality_to_json` data and the loaded frame."""
    exclusions = tuple(Exclusion(**e) for e in data["exclusions"])
    return TableQuality(
        files=tuple(data["files"]),
        rows_read=int(data["rows_read"]),
        rows_kept=len(frame),
        exclusions=exclusions,
        column_profile=column_profile(frame),
    )
