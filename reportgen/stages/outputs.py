"""The report view and section tables → the output files: one writer per ``--format`` (a
registry: adding an output is one entry), each section's table as CSV, all written
atomically into the output folder; and the checks and names decided before the build."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from reportgen.data.files import resolve_files
from reportgen.engine.finish import SectionResult
from reportgen.errors import UsageError
from reportgen.output import check_targets
from reportgen.render.context import ReportView
from reportgen.spec.load import LoadedSpec
from reportgen.spec.models import NAME_MAX_LENGTH, Spec


@dataclass(frozen=True)
class WriteContext:
    """What a writer may use besides the view: the spec's folder and the cache folder."""

    base_dir: Path
    cache_dir: Path | None


@dataclass(frozen=True)
class Writer:
    """One output format: its progress label, its file's suffix and how to render it."""

    stage: str
    suffix: str
    render: Callable[[ReportView, WriteContext], bytes]


def _html(view: ReportView, context: WriteContext) -> bytes:
    from reportgen.render.html import render_html

    return render_html(view, cache_dir=context.cache_dir).encode("utf-8")


def _pdf(view: ReportView, context: WriteContext) -> bytes:
    from reportgen.render.pdf import render_pdf

    return render_pdf(view, base_dir=context.base_dir, cache_dir=context.cache_dir)


WRITERS: dict[str, Writer] = {
    "html": Writer("HTML", ".html", _html),
    "pdf": Writer("PDF", ".pdf", _pdf),
}


def report_path(out_dir: Path, slug: str, kind: str) -> Path:
    """Where the ``kind`` output of the report goes."""
    return out_dir / f"{slug}{WRITERS[kind].suffix}"


def table_path(out_dir: Path, slug: str, section_id: str) -> Path:
    """Where a section's table goes (every group, not only the top-N shown)."""
    return out_dir / f"{slug}-data" / f"{section_id}.csv"


def table_files(
    out_dir: Path, slug: str, results: Mapping[str, SectionResult], exported: list[str]
) -> dict[Path, bytes]:
    """Each exported section's full table as CSV."""
    return {
        table_path(out_dir, slug, sid): results[sid]
        .full.to_csv(index=False, lineterminator="\n")
        .encode("utf-8")
        for sid in exported
    }


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
