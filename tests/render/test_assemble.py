"""Section results and quality numbers → the report view, by value: hand-made results on a
hand-made spec (headers only, no data read), checked cell by cell and word by word."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from reportgen.data.quality import ColumnProfile, Exclusion, TableQuality
from reportgen.engine.finish import SectionResult
from reportgen.errors import SpecError
from reportgen.model.quality import DataQuality
from reportgen.model.resolve import load_and_resolve
from reportgen.model.semantic import Relation
from reportgen.render.assemble import ReportContent, data_context, report_view
from reportgen.render.charting import ChartCache

SPEC = """\
report: {title: Shop, subtitle: Lines by department, client: C, author: A}
data:
  lines: {path: lines.csv}
  departments: {path: departments.csv, key: department_id}
relations: [lines.department_id -> departments]
metrics:
  lines: {expr: count(lines), label: Order lines}
  share: {expr: share(lines), label: Share of lines}
sections:
  - id: by-department
    title: "{{ top.department | capitalize }} leads"
    query: {by: [department], metrics: [lines, share], top: 2}
    text: "{{ top.department | capitalize }} has {{ top.lines }} lines, {{ top.share }} of all; {{ data.lines.rows_used }} lines used."
  - id: quality
    type: data_quality
    title: Data quality
"""


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> ReportContent:
    folder = tmp_path_factory.mktemp("assemble")
    (folder / "lines.csv").write_text("order_id,department_id\n")
    (folder / "departments.csv").write_text("department_id,department\n")
    (folder / "report.yaml").write_text(SPEC)
    loaded, model, _ = load_and_resolve(folder / "report.yaml")
    full = pd.DataFrame(
        {
            "department": ["produce", "dairy", "snacks"],
            "lines": [50, 30, 20],
            "share": [0.5, 0.3, 0.2],
        }
    )
    shown = pd.DataFrame(
        {
            "department": ["produce", "dairy", "Other"],
            "lines": [50, 30, 20],
            "share": [0.5, 0.3, 0.2],
        }
    )
    lines = TableQuality(
        ("lines.csv",), 104, 103, (Exclusion("empty", 1, "order_id", kind="empty"),),
        (ColumnProfile("order_id", "int64", 0),),
    )  # fmt: skip
    departments = TableQuality(("departments.csv",), 3, 3, (), ())
    relation = Relation("lines", "department_id", "departments")
    quality = DataQuality(
        tables={"lines": lines, "departments": departments},
        used={"lines": 100, "departments": 3},
        steps={"lines": [("missing", relation, 3)], "departments": []},
        declared={},
    )
    return ReportContent(
        loaded=loaded,
        model=model,
        results={"by-department": SectionResult(full, shown, None, "Other")},
        orders={"by-department": {"department": None}},
        charted={},
        quality=quality,
        selected=frozenset(),
        build_date="2026-01-02",
    )


def test_report_fields_come_from_the_spec(content: ReportContent) -> None:
    view = report_view(content, ChartCache(None, {}))
    assert (view.title, view.subtitle, view.subject) == (
        "Shop",
        "Lines by department",
        "Lines by department",
    )
    assert (view.client, view.author, view.build_date) == ("C", "A", "2026-01-02")
    assert [s.id for s in view.sections] == ["by-department", "quality"]


def test_an_analysis_section_by_value(content: ReportContent) -> None:
    section = report_view(content, ChartCache(None, {})).sections[0]
    assert section.title == "Produce leads"
    assert str(section.body) == "<p>Produce has 50 lines, 50.0% of all; 100 lines used.</p>"
    table = section.tables[0]
    assert [(c.name, c.label, c.align) for c in table.columns] == [
        ("department", "Department", "left"),
        ("lines", "Order lines", "right"),
        ("share", "Share of lines", "right"),
    ]
    assert table.rows == [
        ["produce", "50", "50.0%"],
        ["dairy", "30", "30.0%"],
        ["Other", "20", "20.0%"],
    ]
    assert section.chart is None


def test_the_quality_section_reconciles(content: ReportContent) -> None:
    section = report_view(content, ChartCache(None, {})).sections[1]
    assert section.tables[0].rows == [  # parents first; read − steps = used
        ["Departments", "Rows read", "3"],
        ["", "Used in the analysis", "3"],
        ["Lines", "Rows read", "104"],
        ["", "Lines with no order id", "−1"],
        ["", "Lines whose department is not in the data", "−3"],
        ["", "Used in the analysis", "100"],
    ]
    assert section.tables[1].rows == [["–", "No missing values", "0", "–"]]


def test_data_context_quotes_read_kept_used_and_excluded(content: ReportContent) -> None:
    assert data_context(content.quality) == {
        "lines": {"rows_read": "104", "rows_kept": "103", "rows_used": "100", "excluded": "4"},
        "departments": {"rows_read": "3", "rows_kept": "3", "rows_used": "3", "excluded": "0"},
    }


def test_selected_sections_only(content: ReportContent) -> None:
    from dataclasses import replace

    view = report_view(replace(content, selected=frozenset({"quality"})), ChartCache(None, {}))
    assert [s.id for s in view.sections] == ["quality"]


def test_a_text_naming_a_missing_row_is_a_located_spec_error(content: ReportContent) -> None:
    from dataclasses import replace

    few = SectionResult(
        content.results["by-department"].full.head(0), content.results["by-department"].full.head(0)
    )
    with pytest.raises(SpecError) as raised:
        report_view(replace(content, results={"by-department": few}), ChartCache(None, {}))
    issue = raised.value.issues[0]
    assert (issue.line, issue.column) == (11, 12)  # the title, where the text is
    assert "no 'department' here: the value before it is empty" in issue.message


def test_a_chart_is_drawn_once_then_read_from_the_cache(
    content: ReportContent, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from dataclasses import replace

    from reportgen.engine.results_cache import ResultsCache
    from reportgen.spec.models import ChartSpec

    spec = content.loaded.spec
    charted = spec.sections[0].model_copy(
        update={"chart": ChartSpec(type="hbar", x="department", y="lines")}
    )
    loaded = replace(
        content.loaded, spec=spec.model_copy(update={"sections": [charted, *spec.sections[1:]]})
    )
    with_chart = replace(content, loaded=loaded)
    store = ResultsCache(tmp_path_factory.mktemp("cache"))
    first = ChartCache(store, {"by-department": "k1"})
    chart = report_view(with_chart, first).sections[0].chart
    assert first.rendered == 1
    assert chart is not None
    assert chart.alt == (  # the real departments, not the bucket of the rest
        "Bar chart of order lines by department. Highest: produce, 50; lowest: dairy, 30."
    )
    assert chart.svg.startswith("<svg")
    ids = re.findall(r'\bid="([^"]+)"', chart.svg)
    assert ids
    assert all(i.startswith("by-department-") for i in ids), ids  # renumbered per chart
    again = ChartCache(store, {"by-department": "k1"})
    cached = report_view(with_chart, again).sections[0].chart
    assert again.rendered == 0
    assert cached == chart
