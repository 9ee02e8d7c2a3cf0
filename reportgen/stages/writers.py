"""The report view → the bytes of each output format: one writer per ``--format``.

Adding an output (Excel, chart files) is one entry in ``WRITERS``: the command line offers
its name, the build checks its target before anything runs, renders it and writes it
atomically with the others. This module imports nothing heavy, so ``--help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reportgen.render.context import ReportView


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
