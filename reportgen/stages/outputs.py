"""The section tables → CSV files; the output checks and names decided before the build
(the report's own formats are ``stages.writers``)."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from pathlib import Path

from reportgen.data.files import resolve_files
from reportgen.engine.finish import SectionResult
from reportgen.errors import UsageError
from reportgen.output import check_targets, csv_bytes
from reportgen.spec.load import LoadedSpec
from reportgen.spec.models import NAME_MAX_LENGTH, Spec
from reportgen.stages.writers import WRITERS, report_path


def export_dir(out_dir: Path, slug: str) -> Path:
    """The folder of the section tables' CSV files."""
    return out_dir / f"{slug}-data"


def table_path(out_dir: Path, slug: str, section_id: str) -> Path:
    """Where a section's table goes (every group, not only the top-N shown)."""
    return export_dir(out_dir, slug) / f"{section_id}.csv"


def table_files(
    out_dir: Path, slug: str, results: Mapping[str, SectionResult], exported: list[str]
) -> dict[Path, bytes]:
    """Each exported section's full table as CSV (numbers rounded as ``output.csv_bytes``)."""
    return {table_path(out_dir, slug, sid): csv_bytes(results[sid].full) for sid in exported}


def check_outputs(
    loaded: LoadedSpec, out_dir: Path, slug: str, formats: tuple[str, ...], exported: list[str]
) -> None:
    """Before anything runs: no output may replace the spec or a data file (exit 4)."""
    targets = [report_path(out_dir, slug, kind) for kind in WRITERS if kind in formats]
    targets += [table_path(out_dir, slug, sid) for sid in exported]
    reads = {loaded.path: "the spec"}
    for name, table in loaded.spec.data.items():
        for file in resolve_files(name, table, loaded.base_dir):
            reads[file.path] = f"an input of table '{name}'"
    check_targets(out_dir, targets, reads)


def slug_of(spec: Spec) -> str:
    """The outputs' base name: the spec's slug, else the title in lower case with dashes."""
    if spec.report.slug:
        return spec.report.slug
    slug = re.sub(r"[^a-z0-9]+", "-", spec.report.title.lower()).strip("-")
    return slug[:NAME_MAX_LENGTH].rstrip("-") or "report"


# The largest time a date can show: 9999-12-31 23:59:59 UTC.
MAX_EPOCH = 253_402_300_799


def source_date_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` as seconds since 1970, or None when unset or empty.

    A value that is not a whole number from 0 to ``MAX_EPOCH`` is a usage error (exit 2).
    """
    text = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 12 or int(text) > MAX_EPOCH:
        shown = text if len(text) <= 24 else text[:21] + "..."
        msg = (
            f"SOURCE_DATE_EPOCH={shown!r} is not a valid time: expected a whole number of "
            f"seconds since 1970-01-01 UTC, from 0 to {MAX_EPOCH} (9999-12-31)"
        )
        raise UsageError(msg)
    return int(text)


def build_date(spec: Spec, base_dir: Path) -> str:
    """SOURCE_DATE_EPOCH when set, else the newest input file's date: reproducible either way."""
    epoch = source_date_epoch()
    if epoch is not None:
        return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).date().isoformat()
    newest = 0.0
    for name, table in spec.data.items():
        for file in resolve_files(name, table, base_dir):
            newest = max(newest, file.path.stat().st_mtime)
    return dt.datetime.fromtimestamp(newest, tz=dt.UTC).date().isoformat()
