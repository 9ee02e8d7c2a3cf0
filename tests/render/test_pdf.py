"""The PDF: pages, contents page numbers, metadata, reproducible bytes, no fetching."""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import weasyprint.pdf.fonts
from fontTools.ttLib import TTFont
from markupsafe import Markup
from pypdf import PdfReader
from weasyprint import HTML

from reportgen.render.context import ReportView, SectionView, TableBlock, TableColumn
from reportgen.render.html import render_document
from reportgen.render.pdf import LocalFetcher, URLRefused, render_pdf
from reportgen.render.templates import breakable, templates_dir
from reportgen.style.fonts import bundled_font

pytestmark = pytest.mark.slow  # scheduled first (tests/conftest.py)


@pytest.fixture(scope="module")
def pdf(view: ReportView) -> bytes:
    return render_pdf(view)


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def test_pages_titles_and_metadata(pdf: bytes, view: ReportView) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    assert 6 <= len(reader.pages) <= 10
    text = "\n".join(page_texts(pdf))
    for section in view.sections:
        assert section.title in text
    assert reader.metadata is not None
    assert reader.metadata.title == "Instacart Basket Analysis"
    assert reader.metadata.author == "Ada Analyst"
    assert reader.metadata.subject == "Customer segments and ordering habits"
    assert reader.metadata["/CreationDate"] == "D:20250402000000Z"
    assert "Page 3 of" in page_texts(pdf)[2]
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert outline[:2] == ["Contents", "Executive summary"]


def test_contents_page_numbers_match_where_sections_start(pdf: bytes, view: ReportView) -> None:
    texts = page_texts(pdf)
    contents = texts[1]
    assert contents.startswith("Contents")
    for section in view.sections:
        match = re.search(re.escape(section.title) + r"[ .]*?(\d+)\s*$", contents, re.MULTILINE)
        assert match, section.title
        listed = int(match.group(1))
        starts = [i + 1 for i, t in enumerate(texts) if i >= 2 and section.title in t]
        assert starts[0] == listed, section.title


def test_level_one_sections_start_pages(pdf: bytes, view: ReportView) -> None:
    texts = page_texts(pdf)
    for section in view.sections:
        if section.level == 1:
            page = next(t for t in texts[2:] if section.title in t)
            body = page.split("\n", 2)
            assert section.title in "\n".join(body[:2])


def test_same_view_same_bytes(pdf: bytes, view: ReportView) -> None:
    assert render_pdf(view) == pdf


def _font_programs(pdf: bytes) -> dict[str, bytes]:
    reader = PdfReader(io.BytesIO(pdf))
    programs = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                programs[str(descriptor["/FontName"])] = descriptor["/FontFile2"].get_data()
    return programs


def _modified(program: bytes) -> int:
    with TTFont(io.BytesIO(program)) as font:
        return int(font["head"].modified)


def test_fonts_carry_their_creation_date_not_the_clock(pdf: bytes) -> None:
    programs = _font_programs(pdf)
    assert programs
    with TTFont(bundled_font().regular) as regular, TTFont(bundled_font().bold) as bold:
        created = {int(regular["head"].created), int(bold["head"].created)}
    for name, program in programs.items():
        assert "Source-Sans-Pro" in name  # no system font stood in for a character
        assert _modified(program) in created, name


def test_extracted_text_keeps_tabular_figures_as_text(pdf: bytes) -> None:
    text = "\n".join(page_texts(pdf))
    assert "Executive summary" in text
    assert "5,000" in text  # a table cell, set in tabular figures


def _without_harfbuzz_a_day_later(monkeypatch: pytest.MonkeyPatch) -> None:
    """fontTools subsets (as where libharfbuzz-subset is missing) and the clock moves on."""
    monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)
    now = time.time
    monkeypatch.setattr(time, "time", lambda: now() + 86400)


def test_same_bytes_whichever_subsetter_and_whenever(
    pdf: bytes, view: ReportView, monkeypatch: pytest.MonkeyPatch
) -> None:
    _without_harfbuzz_a_day_later(monkeypatch)
    assert render_pdf(view) == pdf


def test_a_character_only_a_system_font_has_still_gives_the_same_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = Markup("<p>Ωμέγα and 中文 are not in the bundled font.</p>")
    section = SectionView(id="s", title="Other scripts", level=1, kind="text", body=body)
    view = ReportView("Scripts", "", "", "", "", "", "2025-04-02", "A4", [section])
    first = render_pdf(view)
    _without_harfbuzz_a_day_later(monkeypatch)
    second = render_pdf(view)
    assert second == first
    for program in _font_programs(second).values():
        with TTFont(io.BytesIO(program)) as font:
            assert font["head"].modified == font["head"].created


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.css",
        "https://fonts.googleapis.com/css?family=Lato",
        "ftp://example.com/x",
        "file:///etc/passwd",
        "file://remote-host/share/x.png",
        "gopher://x",
    ],
)
def test_fetcher_refuses_network_and_outside_files(url: str) -> None:
    fetcher = LocalFetcher([templates_dir()])
    with pytest.raises(URLRefused):
        fetcher.fetch(url)


def test_fetcher_refuses_paths_escaping_the_folder(tmp_path: Path) -> None:
    (tmp_path / "inside.txt").write_text("ok")
    fetcher = LocalFetcher([tmp_path / "project"])
    with pytest.raises(URLRefused):
        fetcher.fetch((tmp_path / "project" / ".." / "inside.txt").as_uri())


def test_fetcher_allows_data_and_theme_files(tmp_path: Path) -> None:
    fetcher = LocalFetcher([templates_dir(), tmp_path])
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    css = templates_dir() / "report.css"
    assert fetcher.fetch(css.as_uri()).read().startswith(b"/*")
    (tmp_path / "logo.svg").write_text("<svg/>")
    assert fetcher.fetch((tmp_path / "logo.svg").as_uri()).read() == b"<svg/>"


def test_render_fetches_nothing_outside(view: ReportView, caplog: pytest.LogCaptureFixture) -> None:
    from dataclasses import replace

    from markupsafe import Markup

    hostile = Markup(
        '<p>x<img src="http://127.0.0.1:9/track.png" alt="t">'
        '<img src="file:///etc/passwd" alt="p"></p>'
    )
    sections = [replace(view.sections[0], body=hostile), *view.sections[1:]]
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        render_pdf(replace(view, sections=sections))
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 2


def _boxes(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", []):
        yield from _boxes(child)


def test_a_long_value_without_spaces_wraps_inside_the_page() -> None:
    long_value = "Supercalifragilisticexpialidocious" * 4  # 136 characters, no space
    table = TableBlock(
        [TableColumn("name", "Name"), TableColumn("orders", "Orders", "right")],
        [[long_value, "1,000"], ["Short", "2"]],
    )
    section = SectionView(id="t", title="Table", level=1, kind="analysis", tables=[table])
    view = ReportView("Long values", "", "", "", "", "", "", "A4", [section])
    document = HTML(string=render_document(view, charts="img")).render()
    page = document.pages[-1]
    right_edge = page._page_box.content_box_x() + page._page_box.width
    tables = [b for b in _boxes(page._page_box) if type(b).__name__ == "TableBox"]
    assert tables, "the table was laid out"
    for box in tables:
        assert box.position_x + box.margin_width() <= right_edge + 0.5
    text = "".join(page_texts(document.write_pdf()))
    assert "Supercalifragilisti" in text


def test_breakable_escapes_and_adds_break_opportunities_to_long_words_only() -> None:
    assert breakable("Baby food & <wipes>") == "Baby food &amp; &lt;wipes&gt;"
    word = "x" * 30
    assert breakable(f"a {word}<b>") == f"a {'x' * 12}<wbr>{'x' * 12}<wbr>{'x' * 6}&lt;b&gt;"


def test_breakable_breaks_a_long_name_at_its_joints() -> None:
    assert breakable("mean(orders.days_since_prior_order)") == (
        "mean(<wbr>orders.<wbr>days_<wbr>since_<wbr>prior_<wbr>order)"
    )


def _structure(node: Any, found: list[tuple[str, Any]]) -> None:
    """The structure elements under ``node`` in reading order: (role, element)."""
    node = node.get_object() if hasattr(node, "get_object") else node
    if not isinstance(node, dict):
        return
    if "/S" in node:
        found.append((str(node["/S"]), node))
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else [kids]:
        if kid is not None:
            _structure(kid, found)


def test_tagged_pdf_ua_with_alt_text_language_and_reading_order(
    pdf: bytes, view: ReportView
) -> None:
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert root["/Lang"] == "en"
    assert root["/MarkInfo"]["/Marked"]
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    elements: list[tuple[str, Any]] = []
    _structure(root["/StructTreeRoot"], elements)
    figures = [element.get("/Alt") for role, element in elements if role == "/Figure"]
    charts = [s.chart.alt for s in view.sections if s.chart is not None]
    assert charts
    assert figures == charts  # every chart, with its alt text, in the order of the report
    headings = [role for role, _ in elements if role in ("/H1", "/H2")]
    assert len(headings) >= len(view.sections)
    metadata = root["/Metadata"].get_object().get_data()
    assert b"pdfuaid:part" in metadata


def test_archival_variant_is_tagged_pdf_a(view: ReportView) -> None:
    archived = render_pdf(view, variant="pdf/a-3a")
    root = PdfReader(io.BytesIO(archived)).trailer["/Root"]
    metadata = root["/Metadata"].get_object().get_data()
    assert b"pdfaid:part" in metadata
    assert "/StructTreeRoot" in root
    assert "/OutputIntents" in root


def test_remembered_font_subsets_give_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = Markup("<p>Regular text, <b>bold text</b> and figures 1,234.5.</p>")
    section = SectionView(id="s", title="Fonts", level=1, kind="text", body=body)
    view = ReportView("Subsets", "", "", "", "", "", "2025-04-02", "A4", [section])
    fresh = render_pdf(view)  # no cache folder: every subset made by fontTools
    assert render_pdf(view, cache_dir=tmp_path) == fresh  # made and kept
    kept = sorted((tmp_path / "pdf-fonts").glob("*.font"))
    assert len(kept) == len(_font_programs(fresh)) == 2  # regular and bold
    made: list[object] = []
    subsetter = weasyprint.pdf.fonts.Font._fonttools_subset
    monkeypatch.setattr(
        weasyprint.pdf.fonts.Font,
        "_fonttools_subset",
        lambda font, *args: made.append(font) or subsetter(font, *args),
    )
    assert render_pdf(view, cache_dir=tmp_path) == fresh  # every subset read back
    assert made == []
    kept[0].write_bytes(kept[0].read_bytes()[:-40] + b"damaged!" + kept[0].read_bytes()[-32:])
    assert render_pdf(view, cache_dir=tmp_path) == fresh  # the damaged one made again
    assert len(made) == 1
