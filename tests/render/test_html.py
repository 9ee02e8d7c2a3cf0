"""The HTML file: parses, one accessible inline SVG per chart, nothing external, values escaped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from reportgen.render.context import ReportView
from reportgen.render.html import render_html
from reportgen.render.templates import templates_dir

SVG_NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


class Collector(HTMLParser):
    """Tags with their attributes, and the text inside <title> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[str] = []
        self.titles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1] == "title":
            self.titles.append(data)


def parse(html: str) -> Collector:
    collector = Collector()
    collector.feed(html)
    collector.close()
    return collector


def test_one_accessible_inline_svg_per_chart(view: ReportView) -> None:
    html = render_html(view)
    tags = parse(html).tags
    svgs = [attrs for tag, attrs in tags if tag == "svg"]
    charts = [s.chart for s in view.sections if s.chart]
    assert len(svgs) == len(charts) == 3
    for attrs, chart in zip(svgs, charts, strict=True):
        assert attrs["role"] == "img"
        assert attrs["aria-label"] == chart.alt
    assert [attrs["id"] for tag, attrs in tags if tag == "figure"] == [
        "days-chart",
        "days-detail-chart",
        "pie-chart",
    ]


def test_self_contained(view: ReportView) -> None:
    html = render_html(view)
    tags = parse(html).tags
    assert not [t for t, _ in tags if t in ("script", "link", "iframe", "img")]
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls <= SVG_NAMESPACES
    assert "@font-face" in html
    assert "data:font/woff2;base64," in html
    assert len(html) < 600_000


def test_values_are_escaped_everywhere(view: ReportView) -> None:
    html = render_html(view)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # table cell, chart alt and <title>
    collector = parse(html)
    assert any("<script>alert(1)</script>" in text for text in collector.titles)


def test_structure_contents_cover_and_tables(view: ReportView) -> None:
    tags = parse(render_html(view)).tags
    links = [attrs["href"] for tag, attrs in tags if tag == "a"]
    ids = [s.id for s in view.sections]
    assert links == [f"#{i}" for i in ids] * 2  # the phone contents and the sidebar
    assert [attrs["id"] for tag, attrs in tags if tag == "section"] == ids
    assert ("html", {"lang": "en"}) in tags
    assert ("meta", {"name": "author", "content": "Ada Analyst"}) in tags
    right = [attrs for tag, attrs in tags if tag == "td" and attrs.get("class") == "right"]
    assert len(right) == 6 + 41
    assert ("div", {"class": "table-block long"}) in tags


def test_css_shares_the_chart_theme_and_has_print_rules() -> None:
    from reportgen.render.templates import stylesheet

    css = str(stylesheet())
    assert "--accent:" in css
    assert "target-counter(attr(href), page)" in css
    assert "counter(pages)" in css
    assert (templates_dir() / "report.html").is_file()
