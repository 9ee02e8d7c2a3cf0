"""A ``ReportView`` → PDF bytes via CSS paged media; the only module that imports WeasyPrint."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher

from reportgen.render.context import ReportView
from reportgen.render.html import render_document
from reportgen.render.templates import templates_dir

_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%d %B %Y", "%B %d, %Y", "%d %b %Y")


class URLRefused(ValueError):
    """A resource outside the allowed folders (or on the network) was requested."""


class LocalFetcher(URLFetcher):
    """Fetches ``data:`` URIs and files inside the allowed folders; refuses everything else."""

    def __init__(self, allowed: list[Path]) -> None:
        super().__init__(allowed_protocols=["data", "file"], allow_redirects=False)
        self.allowed = [folder.resolve() for folder in allowed]

    def check(self, url: str) -> None:
        """Raise ``URLRefused`` unless ``url`` is a data: URI or a file in an allowed folder."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return
        if scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(unquote(parts.path)).resolve()
            if any(path.is_relative_to(folder) for folder in self.allowed):
                return
            msg = f"refused to read {path}: outside the theme and project folders"
            raise URLRefused(msg)
        msg = f"refused to fetch {url[:80]!r}: reports only use files from the project"
        raise URLRefused(msg)

    def fetch(self, url: str, headers: Any = None) -> Any:
        self.check(url)
        return super().fetch(url, headers)


def build_time(view: ReportView) -> datetime | None:
    """The build time stamped in the PDF: ``SOURCE_DATE_EPOCH`` when set, else ``view.build_date``."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(view.build_date.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def render_pdf(
    view: ReportView, *, base_dir: Path | None = None, cache_dir: Path | None = None
) -> bytes:
    """The report as an A4 (or ``view.page_size``) PDF; the same view gives the same bytes."""
    stamp = build_time(view)
    created = stamp.strftime("%Y-%m-%dT%H:%M:%SZ") if stamp else ""
    document = render_document(view, charts="img", created=created, cache_dir=cache_dir)
    allowed = [templates_dir()] + ([base_dir] if base_dir is not None else [])
    base_url = (base_dir or templates_dir()).resolve().as_uri() + "/"
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    html = HTML(string=document, base_url=base_url, url_fetcher=LocalFetcher(allowed))
    pdf: bytes = html.write_pdf(pdf_identifier=b"reportgen" + created.encode("ascii"))
    return pdf
