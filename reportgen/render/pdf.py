"""A ``ReportView`` → PDF bytes via CSS paged media; the only module that imports WeasyPrint.

The same view gives the same bytes on every machine. WeasyPrint subsets each embedded font, with
HarfBuzz where ``libharfbuzz-subset`` is installed and with fontTools where it is not; the two give
different bytes, and fontTools stamps the clock into each subset (``head.modified``), so two builds
a second apart differed. So fonts are always subset by fontTools (every machine has it: it is a
dependency of WeasyPrint), and each subset's modification date is then set to its creation date.
Embedding the bundled font whole instead was tried: the PDF's text then maps ligatures and
tabular figures through the font's cmap, and copied or extracted text comes out wrong.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import struct
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import fontTools
import pydyf
import weasyprint
import weasyprint.pdf.fonts
from fontTools.ttLib import TTFont, TTLibError
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from reportgen.blobs import BlobCache, key_of
from reportgen.render.context import ReportView
from reportgen.render.html import render_document
from reportgen.render.templates import templates_dir

_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%d %B %Y", "%B %d, %Y", "%d %b %Y")
_SUBSETTER_LOCK = threading.Lock()


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
    view: ReportView,
    *,
    base_dir: Path | None = None,
    cache_dir: Path | None = None,
    variant: str | None = "pdf/ua-1",
) -> bytes:
    """The report as an A4 (or ``view.page_size``) PDF; the same view gives the same bytes.

    ``variant`` is WeasyPrint's PDF standard: ``pdf/ua-1`` (the default: tagged, with a
    structure tree, alt text on each chart and the document language), ``pdf/a-2a`` or
    ``pdf/a-3a`` (archival and tagged), or None (untagged)."""
    stamp = build_time(view)
    created = stamp.strftime("%Y-%m-%dT%H:%M:%SZ") if stamp else ""
    document = render_document(view, charts="img", created=created, cache_dir=cache_dir)
    allowed = [templates_dir()] + ([base_dir] if base_dir is not None else [])
    base_url = (base_dir or templates_dir()).resolve().as_uri() + "/"
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    page = HTML(string=document, base_url=base_url, url_fetcher=LocalFetcher(allowed))
    with _fonttools_subsetting(cache_dir):
        pdf: bytes = page.write_pdf(
            pdf_identifier=b"reportgen" + created.encode("ascii"),
            finisher=pin_font_dates,
            pdf_variant=variant,
        )
    return pdf


@contextlib.contextmanager
def _fonttools_subsetting(cache_dir: Path | None) -> Iterator[None]:
    """WeasyPrint subsets with fontTools, as on a machine without ``libharfbuzz-subset``, and
    each subset is remembered (see ``_remembered_subset``)."""
    fonts = weasyprint.pdf.fonts
    if not hasattr(fonts, "harfbuzz_subset"):  # a WeasyPrint that decides otherwise
        yield
        return
    with _SUBSETTER_LOCK:
        chosen = fonts.harfbuzz_subset
        subsetter = getattr(fonts.Font, "_fonttools_subset", None)
        fonts.harfbuzz_subset = None
        if subsetter is not None:
            fonts.Font._fonttools_subset = _remembered_subset(subsetter, cache_dir)
        try:
            yield
        finally:
            fonts.harfbuzz_subset = chosen
            if subsetter is not None:
                fonts.Font._fonttools_subset = subsetter


def _remembered_subset(subsetter: Any, cache_dir: Path | None) -> Any:
    """``subsetter`` (WeasyPrint's ``Font._fonttools_subset``) remembering its results.

    fontTools takes about 5 % of a PDF's time to subset the fonts, and a rebuild uses the same
    glyphs. Each subset is kept in ``cache_dir/pdf-fonts`` (``BlobCache``) by the font program,
    the glyphs and the options, with its modification date already pinned
    (``pin_font_dates``), so a remembered subset gives the same bytes as a new one."""
    if cache_dir is None:
        return subsetter
    kept = BlobCache(cache_dir / "pdf-fonts", keep=64, suffix=".font")

    def subset(font: Any, to_unicode: Any, hinting: Any) -> None:
        options = (font.index, sorted(to_unicode), bool(hinting), bool(font.missing))
        versions = (fontTools.version, weasyprint.__version__)
        key = key_of(font.file_content, repr((options, versions)))
        remembered = kept.get(key)
        if remembered is not None:
            font.file_content = remembered
            return
        subsetter(font, to_unicode, hinting)
        font.file_content = _font_dated_by_creation(font.file_content)
        kept.put(key, font.file_content)

    return subset


def pin_font_dates(document: object, pdf: pydyf.PDF) -> None:
    """A WeasyPrint finisher: each embedded font program's modification date set to its
    creation date (a fontTools subset carries the time it was made)."""
    for item in pdf.objects:
        if not isinstance(item, pydyf.Stream):
            continue
        if "Length1" not in item.extra and item.extra.get("Subtype") != "/OpenType":
            continue
        program = b"".join(part for part in item.stream if isinstance(part, bytes))
        pinned = _font_dated_by_creation(program)
        if pinned is not program:
            item.stream = [pinned]
            if "Length1" in item.extra:
                item.extra["Length1"] = len(pinned)


def _font_dated_by_creation(program: bytes) -> bytes:
    """The font with ``head.modified = head.created`` (checksums updated); unchanged when it
    already is, or cannot be read."""
    try:
        with TTFont(io.BytesIO(program), recalcBBoxes=False, recalcTimestamp=False) as font:
            head = font["head"]
            if head.modified == head.created:
                return program
            head.modified = head.created
            buffer = io.BytesIO()
            font.save(buffer, reorderTables=False)
    except (TTLibError, KeyError, ValueError, AssertionError, struct.error):
        return program
    return buffer.getvalue()
