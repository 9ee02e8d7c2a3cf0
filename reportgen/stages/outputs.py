"""The output checks and names decided before the build (the formats are ``stages.writers``)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from reportgen.data.files import resolve_files
from reportgen.errors import UsageError
from reportgen.output import check_targets
from reportgen.spec.load import LoadedSpec
from reportgen.spec.models import NAME_MAX_LENGTH, Spec
from reportgen.stages.writers import OutputNames, output_targets


def check_outputs(loaded: LoadedSpec, names: OutputNames, formats: tuple[str, ...]) -> None:
    """Before anything runs: no output may replace the spec or a data file (exit 4)."""
    targets = output_targets(names, formats)
    reads = {loaded.path: "the spec"}
    for name, table in loaded.spec.data.items():
        for file in resolve_files(name, table, loaded.base_dir):
            reads[file.path] = f"an input of table '{name}'"
    check_targets(names.out_dir, targets, reads)


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
