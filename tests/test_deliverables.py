"""What a client keeps besides the PDF: the interactive HTML (in a real browser), the workbook
(read back with openpyxl), the chart files and the CSV exports, from the one build of the shipped
report on 2,000 generated customers that tests/test_pipeline.py reads too (the ``shipped_build``
fixture; tests/render/test_pdf.py reads the PDF's tags)."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from reportgen.spec.load import load_spec
from reportgen.spec.models import AnalysisSection, Spec

SLUG = "instacart-basket-analysis"
pytestmark = pytest.mark.slow  # scheduled first (tests/conftest.py)


@pytest.fixture(scope="module")
def project(shipped_build: Path) -> Path:
    """The shipped report on 2,000 generated customers, every format built (tests/conftest.py;
    tests/test_pipeline.py reads the same build)."""
    return shipped_build


@pytest.fixture(scope="module")
def spec(project: Path) -> Spec:
    return load_spec(project / "report.yaml").spec


@pytest.fixture(scope="module")
def html(project: Path) -> str:
    return (project / "output" / f"{SLUG}.html").read_text(encoding="utf-8")


def charted(spec: Spec) -> list[AnalysisSection]:
    return [s for s in spec.sections if isinstance(s, AnalysisSection) and s.chart is not None]


def chart_specs(html: str) -> dict[str, dict]:
    found = re.findall(
        r'<figure class="chart" id="([^"]+)-chart">.*?'
        r'<script type="application/json" class="chart-spec">(.*?)</script>',
        html,
        re.DOTALL,
    )
    return {section_id: json.loads(text) for section_id, text in found}


# ---- interactive HTML ---------------------------------------------------------------------


def test_runtime_once_and_each_chart_as_its_spec_with_its_rows(html: str, spec: Spec) -> None:
    assert len(html.encode("utf-8")) <= 2_000_000
    assert html.count("window.vegaEmbed=") == 1
    specs = chart_specs(html)
    assert list(specs) == [s.id for s in charted(spec)]
    for section_id, chart in specs.items():
        rows = [row for values in chart["datasets"].values() for row in values]
        assert rows, section_id  # the aggregated rows are inline
        assert "url" not in json.dumps(chart.get("data", {})), section_id


def test_tooltips_use_the_report_formats(html: str) -> None:
    chart = chart_specs(html)["spending-by-time"]
    units = [chart, *chart.get("layer", [])]
    tooltips = [u["encoding"]["tooltip"] for u in units if "tooltip" in u.get("encoding", {})]
    assert tooltips
    tooltip = tooltips[0]  # the bars
    assert {item["field"]: item.get("format") for item in tooltip} == {
        "time_of_day": None,
        "revenue": "$,.2f",  # as the table shows it: $12,345.67
    }
    assert [item["title"] for item in tooltip] == ["Time of day", "Revenue"]


def test_the_static_svg_stays_as_the_fallback(html: str, spec: Spec) -> None:
    for section in charted(spec):
        figure = html.split(f'id="{section.id}-chart"', 1)[1].split("</figure>", 1)[0]
        assert '<div class="chart-static"><svg' in figure, section.id
    assert ".chart.live > .chart-static { display: block; }" in html  # printed as SVG


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


# Records console errors, script errors and every request the page's policy blocked.
PROBE = """<script>(function () {
var log = [];
function keep() { document.documentElement.setAttribute("data-probe", JSON.stringify(log)); }
var error = console.error;
console.error = function () {
  log.push("console: " + Array.prototype.join.call(arguments, " ")); keep();
  error.apply(console, arguments);
};
window.addEventListener("error", function (e) { log.push("error: " + e.message); keep(); });
window.addEventListener("unhandledrejection", function (e) { log.push("rejected: " + e.reason); keep(); });
document.addEventListener("securitypolicyviolation", function (e) {
  log.push("blocked: " + e.blockedURI); keep();
});
keep();
})();</script>"""
CONTROL = '<img src="https://example.invalid/control.png" alt="">'


@pytest.mark.skipif(
    _chromium() is None, reason="no Chromium (apt-get install chromium; .ci/run installs it)"
)
def test_every_chart_renders_offline_in_a_browser(html: str, spec: Spec, tmp_path: Path) -> None:
    """One page load: every chart drawn by the runtime, no error, and no request leaves the
    file (the page's policy blocks any and the probe logs it; a control request proves it)."""
    page = tmp_path / "page.html"
    probed = html.replace("<head>", "<head>" + PROBE, 1).replace("</main>", CONTROL + "</main>", 1)
    page.write_text(probed, encoding="utf-8")
    chromium = _chromium()
    assert chromium is not None
    run = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--virtual-time-budget=20000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    dom = run.stdout
    probe = re.search(r'data-probe="([^"]*)"', dom)
    assert probe is not None
    log = json.loads(probe.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert log == ["blocked: https://example.invalid/control.png"]
    for section in charted(spec):
        figure = dom.split(f'id="{section.id}-chart"', 1)[1].split("</figure>", 1)[0]
        assert 'class="chart live"' in dom.split(f'id="{section.id}-chart"', 1)[0][-40:]
        live = re.split(r'class="chart-live[^"]*"', figure, maxsplit=1)[1]
        assert re.match(r"[^>]*>\s*<svg\b", live), section.id  # drawn by the runtime


# ---- workbook -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook(project: Path):  # noqa: ANN201 - openpyxl's Workbook
    return load_workbook(project / "output" / f"{SLUG}.xlsx")


def test_workbook_contents_link_every_section(workbook, spec: Spec) -> None:  # noqa: ANN001
    contents = workbook["Contents"]
    analysis = [s for s in spec.sections if isinstance(s, AnalysisSection)]
    links = [
        contents.cell(row=6 + i, column=1).hyperlink.location for i in range(len(analysis) + 1)
    ]
    assert links[:-1] == [f"'{s.id[:31]}'!A1" for s in analysis]
    assert links[-1] == "'Definitions'!A1"
    assert workbook.sheetnames == ["Contents", *(s.id[:31] for s in analysis), "Definitions"]


def test_section_sheets_hold_the_export_numbers_in_real_formats(
    workbook,  # noqa: ANN001
    project: Path,
) -> None:
    sheet = workbook["spending-by-time"]
    csv = pd.read_csv(project / "output" / f"{SLUG}-data" / "spending-by-time.csv")
    header = [cell.value for cell in sheet[4]]
    assert header == ["Time of day", "Revenue", "Share of revenue", "Orders", "Average order value"]
    assert sheet["A1"].value == "When do customers spend the most?"
    assert sheet.freeze_panes == "A5"
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=5)]
    assert [row[0] for row in values] == csv["time_of_day"].tolist()
    for index, name in enumerate(["revenue", "share_revenue", "orders", "avg_order_value"], 1):
        assert [row[index] for row in values] == pytest.approx(csv[name].tolist()), name
    formats = [sheet.cell(row=5, column=c).number_format for c in range(2, 6)]
    assert formats == ['"$"#,##0.00', "0.0%", "#,##0", '"$"#,##0.00']
    assert sheet.cell(row=5, column=1).data_type == "s"
    assert sheet.column_dimensions["E"].width >= len("Average order value")


def test_definitions_sheet_defines_every_metric(workbook, spec: Spec) -> None:  # noqa: ANN001
    texts = {str(c.value) for row in workbook["Definitions"].iter_rows() for c in row if c.value}
    assert {"Data", "Metrics"} <= texts
    for name, metric in spec.metrics.items():
        label = metric.label if hasattr(metric, "label") and metric.label else None
        if label:
            assert label in texts, name


# ---- chart files and CSV ------------------------------------------------------------------


def test_every_chart_as_svg_with_its_font_and_png_at_slide_width(project: Path, spec: Spec) -> None:
    folder = project / "output" / f"{SLUG}-charts"
    expected = sorted(f"{s.id}.{ext}" for s in charted(spec) for ext in ("png", "svg"))
    assert sorted(p.name for p in folder.iterdir()) == expected
    for section in charted(spec):
        svg = (folder / f"{section.id}.svg").read_bytes()
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert b"@font-face" in svg
        assert b"font/woff2;base64," in svg
        png = (folder / f"{section.id}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", png[16:24])
        assert width == 1600, section.id
        assert height > 100
