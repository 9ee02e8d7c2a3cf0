"""End to end: the shipped report on generated data — PDF text and pages, HTML structure, exports."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pypdf import PdfReader

from reportgen.charts import convert
from reportgen.cli import main
from reportgen.spec.load import load_spec

SLUG = "instacart-basket-analysis"


pytestmark = pytest.mark.slow  # scheduled first (tests/conftest.py)


@pytest.fixture(scope="module")
def project(shipped_build: Path) -> Path:
    """The shipped report on 2,000 generated customers (tests/conftest.py), every format built."""
    return shipped_build


@pytest.fixture(scope="module")
def built(project: Path) -> Path:
    return project / "output"


@pytest.fixture(scope="module")
def pdf_pages(built: Path) -> list[str]:
    reader = PdfReader(built / f"{SLUG}.pdf")
    return [page.extract_text() or "" for page in reader.pages]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_pdf_holds_every_section_title_and_metadata(
    project: Path, built: Path, pdf_pages: list[str]
) -> None:
    spec = load_spec(project / "report.yaml").spec
    text = flat(" ".join(pdf_pages))
    for section in spec.sections:
        assert flat(section.title) in text, section.title
    metadata = PdfReader(built / f"{SLUG}.pdf").metadata
    assert metadata is not None
    assert metadata.title == "Instacart Basket Analysis"
    assert metadata.author == "Analytics team"
    assert 15 <= len(pdf_pages) <= 40


def test_contents_page_numbers_are_where_sections_start(
    project: Path, pdf_pages: list[str]
) -> None:
    spec = load_spec(project / "report.yaml").spec
    contents = next(
        i
        for i, page in enumerate(pdf_pages)
        if page.lstrip().startswith("Contents") or "\nContents" in page[:200]
    )
    toc = flat(pdf_pages[contents])
    checked = 0
    for section in spec.sections:
        if section.level != 1:
            continue
        match = re.search(re.escape(flat(section.title)) + r"[ .·…]*?(\d+)", toc)
        assert match, section.title
        page_number = int(match.group(1))
        body = flat(pdf_pages[page_number - 1])
        assert flat(section.title) in body, (section.title, page_number)
        checked += 1
    assert checked >= 10


def test_narrative_numbers_equal_the_exported_data(built: Path, pdf_pages: list[str]) -> None:
    data = built / f"{SLUG}-data"
    by_day = pd.read_csv(data / "orders-by-day.csv")
    busiest = by_day.loc[by_day["orders"].idxmax()]
    text = flat(" ".join(pdf_pages))
    expected = f"{busiest['order_day']} has the most orders ({int(busiest['orders']):,}, {busiest['share_orders'] * 100:.1f}%)"
    assert expected in text
    loyalty = pd.read_csv(data / "loyalty.csv").set_index("loyalty")
    loyal_share = loyalty.loc["Loyal customer", "share_customers"] * 100
    assert f"{loyal_share:.1f}% of active customers are loyal" in text
    departments = pd.read_csv(data / "departments.csv")
    top = departments.iloc[0]
    assert (
        f"{top['department'].capitalize()} is by far the most ordered department ({int(top['order_lines']):,} products, {top['share_lines'] * 100:.1f}%)"
        in text
    )
    assert departments["share_lines"].sum() == pytest.approx(1.0)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.svgs = 0
        self.figures: list[dict[str, str | None]] = []
        self.scripts = 0
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "svg":
            self.svgs += 1
        if tag == "figure":
            self.figures.append(values)
        if tag == "script":
            self.scripts += 1
        for key in ("src", "href"):
            value = values.get(key)
            if value and not value.startswith(("#", "data:")):
                self.urls.append(value)


def test_html_is_self_contained_with_one_svg_per_chart(project: Path, built: Path) -> None:
    html = (built / f"{SLUG}.html").read_text(encoding="utf-8")
    collector = _Collector()
    collector.feed(html)
    spec = load_spec(project / "report.yaml").spec
    charts = sum(1 for s in spec.sections if getattr(s, "chart", None) is not None)
    assert collector.svgs == charts
    assert collector.scripts == charts + 2  # a spec per chart, the Vega runtime, its caller
    assert collector.urls == []
    runtime = convert.runtime_script_later().result()
    assert html.count(runtime) == 1  # its editor links are unused (no actions menu)
    html = html.replace(runtime, "")
    assert "http://" not in re.sub(r'xmlns(:\w+)?="http://www\.w3\.org/[^"]*"', "", html)
    assert "https://" not in html
    # each chart's figure holds one SVG labelled (aria-label and <title>) with its alt text
    charted = [s.id for s in spec.sections if getattr(s, "chart", None) is not None]
    figures = dict(
        re.findall(r'<figure class="chart" id="([^"]+)-chart">(.*?)</figure>', html, re.S)
    )
    assert sorted(figures) == sorted(charted)
    for sid, figure in figures.items():
        labels = re.findall(
            r'<svg[^>]*\srole="img" aria-label="([^"]+)"><title>([^<]+)</title>', figure
        )
        assert len(labels) == 1, sid
        label, title = labels[0]
        assert label == title, sid
        assert re.match(r"[^.]+ of [^.]+\. ", label), (sid, label)  # the kind and measure
        assert re.search(r"\d", label.split(". ", 1)[1]), (sid, label)  # then the values


def test_exports_every_analysis_section(project: Path, built: Path) -> None:
    spec = load_spec(project / "report.yaml").spec
    expected = {f"{s.id}.csv" for s in spec.sections if s.type == "analysis"}
    assert {p.name for p in (built / f"{SLUG}-data").iterdir()} == expected


def test_an_export_holds_every_group_and_the_printed_table_the_top_ones(
    project: Path, built: Path
) -> None:
    from reportgen.data.load import load_table

    spec = load_spec(project / "report.yaml").spec
    names = load_table("departments", spec.data["departments"], project).frame["department"]
    exported = pd.read_csv(built / f"{SLUG}-data" / "departments.csv")
    assert sorted(exported["department"]) == sorted(names.astype(str))  # all 21, no "Other"
    assert exported["order_lines"].is_monotonic_decreasing
    html = (built / f"{SLUG}.html").read_text(encoding="utf-8")
    top, rest = exported.iloc[:11], exported.iloc[11:]
    for row in top.itertuples():
        assert f">{row.department}<" in html or f">{row.department.capitalize()}<" in html
    assert f"{int(rest['order_lines'].sum()):,}" in html  # the printed Other row: the rest


def test_the_results_cache_holds_plain_data_only(project: Path, built: Path) -> None:
    import json

    from reportgen.engine.results_cache import ResultsCache

    store = ResultsCache(project / ".reportgen-cache" / "results")
    entries = sorted((project / ".reportgen-cache" / "results").glob("section-*"))
    assert entries
    for path in entries:
        entry = store.get("section", path.stem.removeprefix("section-"))
        assert isinstance(entry, dict), path.name
        assert set(entry) == {"full", "shown", "total", "other_label", "orders"}
        for key, value in entry.items():
            if not isinstance(value, pd.DataFrame | str | None):
                json.dumps(value)  # lists and dicts of plain values only
            assert key != "full" or isinstance(value, pd.DataFrame)


def test_only_the_totals_a_template_quotes_are_computed() -> None:
    from reportgen.render.text_check import sections_with_total
    from reportgen.spec.models import Spec

    def analysis(sid: str, text: str = "", title: str = "T") -> dict[str, object]:
        query = {"by": ["x"], "metrics": ["n"]}
        return {"id": sid, "title": title, "query": query, "text": text}

    spec = Spec.model_validate(
        {
            "report": {"title": "T"},
            "data": {"t": {"path": "t.csv"}},
            "metrics": {"n": "count(t)"},
            "sections": [
                analysis("own", "In all {{ total.n | integer }} rows."),
                analysis("quoted", "The total of rows is {{ rows[0].n }}."),  # prose only
                analysis("by-key"),
                analysis("by-attribute"),
                analysis("untouched", title="{{ top.x }} leads the total"),
                {
                    "id": "summary",
                    "type": "text",
                    "title": "Summary {{ sections['by-key'].total.n }}",
                    "text": 'Overall {{ sections["by-key"]["total"].n }} and '
                    "{{ sections.byattribute.total.n if sections.byattribute else 0 }}"
                    "{% if total %}{% endif %}",
                },
                analysis("byattribute"),
            ],
        }
    )
    assert sections_with_total(spec) == {"own", "by-key", "byattribute"}


class _LateConverter:
    """The chart converter of a loaded machine: it converts in this process, late (a while
    after the last request) and in reverse order, so every chart and PNG arrives out of turn."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Future[Any], Callable[[], Any]]] = []
        self.lock = threading.Lock()
        self.timer: threading.Timer | None = None

    def _later(self, job: Callable[[], Any]) -> Future[Any]:
        future: Future[Any] = Future()
        with self.lock:
            self.jobs.append((future, job))
            if self.timer is not None:
                self.timer.cancel()
            self.timer = threading.Timer(0.3, self._run)
            self.timer.start()
        return future

    def submit(self, spec: dict[str, Any]) -> Future[Any]:
        return self._later(lambda: convert.convert(spec))

    def submit_png(self, svg: str, width: int) -> Future[Any]:
        return self._later(lambda: convert.svg_to_png(svg, width))

    def submit_runtime(self) -> Future[Any]:
        return self._later(convert._runtime_bundle)

    def _run(self) -> None:
        with self.lock:
            jobs, self.jobs = self.jobs[::-1], []
        for future, job in jobs:
            time.sleep(0.02)
            future.set_result(job())


# A chart of each kind, the summary (which quotes other sections) and the appendix.
SAME_BYTES_SECTIONS = [
    "executive-summary",
    "day-hour",
    "revenue-by-hour",
    "top-products",
    "regions",
    "profile-departments",
    "data-quality",
]


def test_same_bytes_with_a_late_converter_and_without_harfbuzz_a_day_later(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A loaded machine: charts converted late and out of turn (in this process: the worker
    process could not start), nothing from the caches, fonts subset by fontTools (no
    libharfbuzz-subset), the clock a day on. Every file has the same bytes as a plain build's."""
    import weasyprint.pdf.fonts

    def build(out: Path) -> list[Path]:
        sections = [arg for sid in SAME_BYTES_SECTIONS for arg in ("--section", sid)]
        args = [str(project / "report.yaml"), "--quiet", "--no-cache", "--output-dir", str(out)]
        assert main([*args, *sections]) == 0
        return sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())

    built, again = tmp_path / "plain", tmp_path / "loaded"
    written = build(built)
    late = _LateConverter()
    monkeypatch.setattr(convert, "_worker", lambda: late)
    monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)
    now = time.time
    monkeypatch.setattr(time, "time", lambda: now() + 86400)
    assert build(again) == written
    assert {p.suffix for p in written} == {".html", ".pdf", ".xlsx", ".csv", ".svg", ".png"}
    assert len([p for p in written if p.suffix == ".svg"]) == 5  # each chart kind drawn
    for name in written:
        assert (again / name).read_bytes() == (built / name).read_bytes(), name


def test_format_and_section_build_only_what_was_asked(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "only"
    args = [
        str(project / "report.yaml"),
        "--quiet",
        "--output-dir",
        str(out),
        "--format",
        "html",
        "--format",
        "csv",
        "--section",
        "loyalty",
    ]
    assert main(args) == 0
    assert sorted(p.name for p in out.iterdir()) == [f"{SLUG}-data", f"{SLUG}.html"]
    assert [p.name for p in (out / f"{SLUG}-data").iterdir()] == ["loyalty.csv"]
    html = (out / f"{SLUG}.html").read_text(encoding="utf-8")
    assert "Customer loyalty" in html
    assert "Price ranges" not in html


def test_csv_alone_draws_no_chart_and_writes_the_same_tables(
    project: Path, built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No format asked for shows a chart: none is built or converted (the converter is never
    asked), each chart keeps its title for the texts, and the tables are the full build's."""
    from reportgen.pipeline import BuildOptions, BuildStats, build

    def refused(*args: object) -> None:
        raise AssertionError("a chart was converted")

    monkeypatch.setattr(convert, "spec_to_svg_later", refused)
    monkeypatch.setattr(convert, "warm_up", refused)
    stats = BuildStats()
    options = BuildOptions(formats=("csv",), output_dir=tmp_path, use_cache=False, quiet=True)
    build(project / "report.yaml", options, stats=stats)
    assert stats.charts_rendered == 0
    assert stats.view is not None
    charts = [s.chart for s in stats.view.sections if s.chart is not None]
    html = (built / f"{SLUG}.html").read_text(encoding="utf-8")
    assert len(charts) == html.count('<figure class="chart"')
    assert all(chart.svg == "" and chart.title for chart in charts)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{SLUG}-data"]
    for path in (built / f"{SLUG}-data").iterdir():
        assert (tmp_path / f"{SLUG}-data" / path.name).read_bytes() == path.read_bytes()
