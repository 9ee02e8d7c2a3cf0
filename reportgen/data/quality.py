"""Cleaning effects, missing values and unused categories → records a data-quality section can
tabulate."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Exclusion:
    """One counted effect of cleaning: rows dropped, or values blanked (``dropped=False``).

    ``kind`` says which rule: ``empty``, ``duplicate_rows``, ``invalid`` or ``duplicate_key``
    (the methods phrase it with the spec's labels); ``reason`` is the same in plain words.
    """

    reason: str
    rows: int
    column: str | None = None
    dropped: bool = True
    kind: str = ""


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


@dataclass(frozen=True)
class Unused:
    """A category the spec declares that no row used by the report falls in.

    ``kind``: ``value`` (a map value that matches no row), ``group`` (a map label none of whose
    values occurs), ``default`` (a map's label for values not listed) or ``outcome`` (a label
    of ``cases``, its ``else`` included). ``loc`` is where the spec declares it.
    """

    field: str
    kind: str
    label: str
    value: str = ""
    loc: tuple[str | int, ...] = ()


def unused_categories(
    name: str, spec_field: Any, counts: dict[str, dict[str, int]]
) -> list[Unused]:
    """The declared categories of a map or cases field with no rows, given its
    ``declared_counts`` (rows per label, and per listed value for a map)."""
    labels = counts.get("labels", {})
    found: list[Unused] = []
    base: tuple[str | int, ...] = ("fields", name)
    if "values" in counts:  # a map
        values = counts["values"]
        for label, members in spec_field.groups.items():
            if labels.get(label, 0) == 0:
                found.append(
                    Unused(name, "group", label, ", ".join(members), (*base, "groups", label))
                )
                continue
            found.extend(
                Unused(name, "value", label, value, (*base, "groups", label, index))
                for index, value in enumerate(members)
                if values.get(value, 0) == 0 and spec_field.mapping().get(value) == label
            )
        for value, label in spec_field.values.items():
            if values.get(value, 0) == 0:
                found.append(Unused(name, "value", label, value, (*base, "values", value)))
        if spec_field.default and labels.get(spec_field.default, 0) == 0:
            found.append(Unused(name, "default", spec_field.default, "", (*base, "default")))
        return found
    for index, case in enumerate(spec_field.cases):
        if labels.get(case.then, 0) == 0 and case.then not in {u.label for u in found}:
            found.append(
                Unused(name, "outcome", case.then, case.when, (*base, "cases", index, "then"))
            )
    if spec_field.else_ and labels.get(spec_field.else_, 0) == 0:
        found.append(Unused(name, "outcome", spec_field.else_, "", (*base, "else")))
    return found


def column_profile(frame: pd.DataFrame) -> tuple[ColumnProfile, ...]:
    """Dtype and missing-value count of every column."""
    return profile_of(frame.dtypes, frame.isna().sum())


def profile_of(dtypes: pd.Series, missing: pd.Series) -> tuple[ColumnProfile, ...]:
    """The column profile from each column's dtype and count of missing values (both indexed
    by column), however they were counted (in pandas, or per partition on Dask)."""
    return tuple(ColumnProfile(str(c), str(dtypes[c]), int(missing[c])) for c in dtypes.index)


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
    return quality_from_counts(data, len(frame), column_profile(frame))


def quality_from_counts(
    data: Any, rows_kept: int, profile: tuple[ColumnProfile, ...]
) -> TableQuality:
    """Rebuild a quality record from :func:`quality_to_json` data, the rows kept and the
    column profile (for a table whose frame is not in one piece, e.g. partitioned on Dask)."""
    return TableQuality(
        files=tuple(data["files"]),
        rows_read=int(data["rows_read"]),
        rows_kept=rows_kept,
        exclusions=tuple(Exclusion(**e) for e in data["exclusions"]),
        column_profile=profile,
    )


def table_quality_to_json(quality: TableQuality) -> Any:
    """A whole quality record as plain JSON data (the results cache keeps it without the frame)."""
    return {
        **quality_to_json(quality.files, quality.rows_read, quality.exclusions),
        "rows_kept": quality.rows_kept,
        "column_profile": [asdict(p) for p in quality.column_profile],
    }


def table_quality_from_json(data: Any) -> TableQuality:
    """The record :func:`table_quality_to_json` wrote."""
    return TableQuality(
        files=tuple(data["files"]),
        rows_read=int(data["rows_read"]),
        rows_kept=int(data["rows_kept"]),
        exclusions=tuple(Exclusion(**e) for e in data["exclusions"]),
        column_profile=tuple(ColumnProfile(**c) for c in data["column_profile"]),
    )
